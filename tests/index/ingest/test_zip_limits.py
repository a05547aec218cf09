"""Zip packages within limits (issue 24, finding 1), the cap on a document's text, and OCR's time
budget: each refused or cut with a reason a person reads, before the memory is spent."""

from __future__ import annotations

import io
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from index.ingest import source
from index.ingest.readers import read_source
from index.ingest.source import LoadError
from index.ingest.zip_limits import ZipLimits, open_package
from tests.index.ingest.test_odt import build_odt
from tests.index.ingest.test_word import build_docx, run

pytestmark = pytest.mark.unit

TOO_LARGE = "unpacks to more than"


def _zip(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> io.BytesIO:
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w", method) as z:
        for name, content in members.items():
            z.writestr(name, content)
    data.seek(0)
    return data


def _lying_sizes(data: io.BytesIO, declared: int) -> io.BytesIO:
    """The zip with every member's size in the central directory rewritten to ``declared``."""
    raw = bytearray(data.getvalue())
    at = raw.find(b"PK\x01\x02")
    while at >= 0:
        struct.pack_into("<I", raw, at + 24, declared)  # uncompressed size
        at = raw.find(b"PK\x01\x02", at + 4)
    return io.BytesIO(bytes(raw))


def test_a_member_past_its_limit_is_refused_before_it_is_inflated() -> None:
    package = _zip({"content.xml": b" " * 5_000, "styles.xml": b"<a/>"})
    with open_package(package, "OpenDocument file", ZipLimits(part_bytes=1_000)) as reader:
        assert reader.read("styles.xml") == b"<a/>"
        with pytest.raises(LoadError, match=f"one part of the OpenDocument file {TOO_LARGE}"):
            reader.read("content.xml")
        assert reader.unpacked == 4  # content.xml was refused on its declared size


def test_members_together_past_the_limit_are_refused() -> None:
    package = _zip({f"word/media/{i}.bin": b"\0" * 400 for i in range(3)})
    limits = ZipLimits(part_bytes=500, total_bytes=1_000)
    with (
        pytest.raises(LoadError, match=f"the Word file {TOO_LARGE} 1,000 bytes"),
        open_package(package, "Word file", limits) as reader,
    ):
        reader.check_all()


def test_a_declared_size_that_lies_does_not_let_more_through() -> None:
    """Sizes rewritten to 10 bytes: the inflated bytes are counted, never more than declared
    come out, and the damage is named."""
    package = _lying_sizes(_zip({"content.xml": b"x" * 200_000}), declared=10)
    with (
        pytest.raises(LoadError, match="zip archive is damaged"),
        open_package(package, "OpenDocument file", ZipLimits(part_bytes=1_000)) as reader,
    ):
        reader.read("content.xml")


def test_too_many_members_and_unbounded_compression_are_refused() -> None:
    many = _zip({f"{i}.xml": b"" for i in range(30)})
    with (
        pytest.raises(LoadError, match="holds more than 20 parts"),
        open_package(many, "Word file", ZipLimits(parts=20)),
    ):
        pass
    lzma = _zip({"word/document.xml": b"<w:document/>"}, method=zipfile.ZIP_LZMA)
    with (
        pytest.raises(LoadError, match="compression method that Office files do not use"),
        open_package(lzma, "Word file") as reader,
    ):
        reader.check_all()


def test_a_file_that_is_no_zip_says_so() -> None:
    with (
        pytest.raises(LoadError, match="^not a readable Word file: it is not a zip archive"),
        open_package(io.BytesIO(b"just words, named .docx"), "Word file"),
    ):
        pass


def _bomb(path: Path, suffix: str, size: int) -> Path:
    """A Word or OpenDocument file whose main XML part inflates to ``size`` bytes (a few hundred
    KB on disk), written in chunks so that making it costs no memory."""
    if suffix == ".docx":
        build_docx(path, run("A bomb."))
        name = "word/document.xml"
        head = b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
        tail, filler = b"</w:body></w:document>", b"<w:p/>"
    else:
        build_odt(path, "<text:p>A bomb.</text:p>")
        name = "content.xml"
        head = (
            b'<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:'
            b'office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0">'
            b"<office:body><office:text>"
        )
        tail, filler = b"</office:text></office:body></office:document-content>", b"<text:p/>"
    with zipfile.ZipFile(path) as old:
        parts = {n: old.read(n) for n in old.namelist() if n != name}
    chunk = filler * (1_000_000 // len(filler))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        for n, data in parts.items():
            z.writestr(n, data)
        with z.open(name, "w") as member:
            member.write(head)
            for _ in range(size // len(chunk)):
                member.write(chunk)
            member.write(tail)
    return path


@pytest.mark.parametrize(
    ("suffix", "kind"), [(".docx", "Word file"), (".odt", "OpenDocument file")]
)
def test_a_zip_bomb_is_refused_with_the_reason(tmp_path: Path, suffix: str, kind: str) -> None:
    """120 MB of XML in a file of a few hundred KB: past the 100 MB a part may unpack to."""
    bomb = _bomb(tmp_path / f"bomb{suffix}", suffix, 120_000_000)
    assert bomb.stat().st_size < 2_000_000
    with pytest.raises(LoadError, match=f"^one part of the {kind} {TOO_LARGE} 100 MB"):
        read_source(bomb)


def test_text_past_the_cap_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(source, "MAX_TEXT_CHARS", 1_000)
    reason = "its text is longer than 0.001 million characters"
    words = "The census counted wisent in the reserve. " * 40  # 1,720 characters
    (tmp_path / "long.txt").write_text(words)
    build_docx(tmp_path / "long.docx", "".join(f"<w:p>{run(words[:100])}</w:p>" for _ in range(20)))
    build_odt(tmp_path / "long.odt", f"<text:p>{words}</text:p>")
    (tmp_path / "short.txt").write_text(words[:900])
    for name in ("long.txt", "long.docx", "long.odt"):
        with pytest.raises(LoadError, match=reason):
            read_source(tmp_path / name)
    assert read_source(tmp_path / "short.txt").text == words[:900]


def test_a_text_file_four_times_the_cap_is_refused_unread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(source, "MAX_TEXT_CHARS", 1_000)
    path = tmp_path / "huge.txt"
    path.write_bytes(b"a" * 4_100)
    monkeypatch.setattr(source, "read_file_bytes", lambda _: pytest.fail("the file was read"))
    with pytest.raises(LoadError, match="longer than"):
        read_source(path)


def test_ocr_stops_at_its_time_budget_with_a_warning(
    shared_pdf: Callable[[str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A stand-in Tesseract taking 0.4 s a page, 2 s of budget: the pages after the budget are
    named as not searchable; a page cut off at the deadline is one of them."""
    import time

    import pytesseract

    from index.ingest.ocr import ocr_pdf_pages

    timeouts: list[float] = []

    def slow_read(image: object, lang: str, timeout: float = 0) -> str:
        timeouts.append(timeout)
        if timeout < 0.4:
            time.sleep(timeout)
            raise RuntimeError("Tesseract process timeout")
        time.sleep(0.4)
        return "page text"

    monkeypatch.setattr(pytesseract, "image_to_string", slow_read)
    monkeypatch.setenv("CITESEARCH_OCR_SECONDS", "2")
    warnings: list[str] = []
    texts = ocr_pdf_pages(shared_pdf("R-intro.pdf"), list(range(8)), "eng", warnings)
    assert 1 <= len(texts) <= 5 and all(0 < t <= 2 for t in timeouts)
    first_unread = len(texts) + 1
    assert warnings == [
        "OCR stopped after 2 s, the time it may take in one file: "
        f"pages {first_unread}-8 are not searchable"
    ]
