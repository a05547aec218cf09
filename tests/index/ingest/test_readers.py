"""Reading files: corpus text, Markdown, the real PDFs, other encodings, and clear refusals."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from index.ingest.readers import read_source
from index.ingest.source import PAGE_SEPARATOR, LoadError, decode_text

DOC_2021 = "belarus-asia-africa-latin-america-2021.txt"


def test_corpus_text_reads_exactly_as_utf8(corpus_dir: Path) -> None:
    for path in sorted(corpus_dir.glob("*.txt")):
        source = read_source(path)
        assert source.text == path.read_text(encoding="utf-8"), path.name
        assert source.page_spans is None
        assert source.warnings == []


def test_markdown_reads_like_text(corpus_dir: Path, tmp_path: Path) -> None:
    original = corpus_dir / "pakistan-belarus-foreign-ministers-meeting.txt"
    markdown = tmp_path / "ministers.md"
    markdown.write_text("# Foreign ministers\n\n" + original.read_text(encoding="utf-8"))
    source = read_source(markdown)
    assert source.text.startswith("# Foreign ministers\n\nPakistan, Belarus Foreign Ministers")
    assert "Maxim Ryzhenkov" in source.text


@pytest.mark.parametrize("name", ["report.doc", "slides.pptx", "README"])
def test_unsupported_types_are_refused_with_the_reason(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text("Belarus and Pakistan signed eight MoUs.")
    with pytest.raises(
        LoadError,
        match=r"unsupported file type .*use \.txt, \.md, \.pdf, \.docx, \.odt, \.html, \.htm, "
        r"\.xhtml, \.eml, \.msg",
    ):
        read_source(path)


@pytest.mark.parametrize("content", [b"", b"  \n\n\t \r\n"])
def test_empty_text_file_is_refused(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(content)
    with pytest.raises(LoadError, match="empty"):
        read_source(path)


@pytest.mark.parametrize(
    "content",
    [bytes(range(256)) * 8, b"", b"Belarus' relations with Asia, Africa and Latin America\n" * 20],
    ids=["binary-junk", "empty", "plain-text"],
)
def test_what_is_not_a_pdf_but_named_pdf_is_refused(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "report.pdf"
    path.write_bytes(content)
    with pytest.raises(LoadError, match="not a readable PDF"):
        read_source(path)


def test_a_cut_off_pdf_is_refused(tmp_path: Path, shared_pdf: Callable[[str], Path]) -> None:
    path = tmp_path / "cut.pdf"
    path.write_bytes(shared_pdf("mdwtools-footnote.pdf").read_bytes()[:3000])
    with pytest.raises(LoadError, match="not a readable PDF"):
        read_source(path)


def test_binary_data_named_txt_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "data.txt"
    path.write_bytes(bytes(range(256)) * 8)
    with pytest.raises(LoadError, match="binary data"):
        read_source(path)


def test_a_pdf_named_txt_says_so(tmp_path: Path, shared_pdf: Callable[[str], Path]) -> None:
    path = tmp_path / "footnote.txt"
    path.write_bytes(shared_pdf("mdwtools-footnote.pdf").read_bytes())
    with pytest.raises(LoadError, match="rename it to .pdf"):
        read_source(path)


def test_a_missing_file_is_a_load_error(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match="cannot read"):
        read_source(tmp_path / "gone.txt")


def test_latin1_and_windows_1252_text_decodes_with_a_warning(
    corpus_dir: Path, tmp_path: Path
) -> None:
    # The ministers article has curly quotes (Windows-1252 has them, Latin-1 does not).
    article = (corpus_dir / "pakistan-belarus-foreign-ministers-meeting.txt").read_text("utf-8")
    path = tmp_path / "ministers-cp1252.txt"
    path.write_bytes(article.encode("cp1252"))
    source = read_source(path)
    assert source.text == article
    assert source.warnings == ["not UTF-8: decoded as Windows-1252"]

    latin1 = "Délégation biélorusse à Zürich: coopération économique, señor Ryzhenkov."
    text, warnings = decode_text(latin1.encode("latin-1"))
    assert text == latin1
    assert warnings


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32", "utf-8-sig"])
def test_text_with_a_byte_order_mark_decodes(
    corpus_dir: Path, tmp_path: Path, encoding: str
) -> None:
    text = (corpus_dir / DOC_2021).read_text(encoding="utf-8")
    data = text.encode(encoding)
    if encoding == "utf-16-be":
        data = "\ufeff".encode("utf-16-be") + data  # Python adds no BOM for an explicit order
    path = tmp_path / "chapter.txt"
    path.write_bytes(data)
    source = read_source(path)
    assert source.text == text  # the BOM is gone, the curly quotes and dashes intact
    assert source.warnings == []


def test_utf16_without_bom_is_recognised(corpus_dir: Path) -> None:
    text = (corpus_dir / DOC_2021).read_text(encoding="utf-8")
    decoded, warnings = decode_text(text.encode("utf-16-le"))
    assert decoded == text
    assert warnings == ["decoded as UTF-16 (no BOM)"]


def test_pdf_pages_are_joined_by_form_feeds(shared_pdf: Callable[[str], Path]) -> None:
    source = read_source(shared_pdf("R-intro.pdf"))
    spans = source.page_spans
    assert spans is not None and len(spans) == 113
    assert spans[0][0] == 0 and spans[-1][1] == len(source.text)
    for (_, end), (start, _) in zip(spans, spans[1:], strict=False):
        assert source.text[end:start] == PAGE_SEPARATOR
    assert all(PAGE_SEPARATOR not in source.text[a:b] for a, b in spans)
    page_11 = source.text[spans[10][0] : spans[10][1]]
    assert "alphanumeric symbols are allowed1 (and in some countries" in page_11
    assert source.warnings == []
