"""A file's own title, authors, date and language (``index/ingest/file_meta.py``), read from
real files of other publishers and filled into a document's record where no manifest speaks."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.ingest import file_meta
from index.ingest.readers import read_source
from index.parse import parse_file
from index.records import DocumentMeta

DEV = Path(__file__).resolve().parents[3].parent / "shared" / "footnotes-dev"
DOCS = Path(__file__).resolve().parents[3] / "eval" / "data" / "footnotes" / "docs"


def dev(name: str) -> Path:
    path = DEV / name
    if not path.is_file():
        pytest.skip(f"{path} is absent (the dev documents live outside the repository)")
    return path


def test_word_core_properties_give_author_date_and_language() -> None:
    meta = read_source(dev("docx_pandoc_notes_footnote-and-endnote.docx")).meta
    assert meta.authors == ["Jesse Rosenthal"]
    assert meta.published == "2014-06-12"
    assert meta.language == "en-us"


def test_an_account_name_is_no_author() -> None:
    # The German e-journal's core properties name an account ("IMZ"), the UN document's a
    # machine ("IBAL34 - MBOU"): neither is shown as the document's author.
    assert read_source(dev("docx_de_cg-jung-forum-ejournal.docx")).meta.authors == []
    assert read_source(dev("docx_ar_un-crc-general-comment-20.docx")).meta.authors == []


def test_opendocument_meta_and_pdf_information() -> None:
    odt = read_source(dev("odt_openoffice_excel-file-format.odt")).meta
    assert (odt.title, odt.authors, odt.published) == (
        "The Microsoft Excel File Format",
        ["Daniel Rentz"],
        "2001-06-29",
    )
    pdf = read_source(dev("pdf_paper_ethereum-yellow-paper_latex.pdf")).meta
    assert pdf.title.startswith("Ethereum Yellow Paper: a formal specification of E")
    assert pdf.authors == ["Dr. Gavin Wood"]
    assert pdf.published == "2025-02-04"


def test_a_web_page_byline_and_language(tmp_path: Path) -> None:
    page = tmp_path / "harvest.html"
    page.write_text(
        '<html lang="es"><head><title>Harvest report | Andes Daily</title></head><body>'
        "<article><h1>Harvest report</h1>"
        '<p class="byline">By Ana Quispe, 3 November 2022</p>'
        "<p>Quinoa exports rose by a fifth in the year to October, the ministry said on "
        "Thursday, citing customs data from the ports of the south.</p>"
        "<p>Prices in the highlands held steady while the harvest came in.</p>"
        "</article></body></html>",
        encoding="utf-8",
    )
    meta = read_source(page).meta
    assert (meta.title, meta.authors, meta.published, meta.language) == (
        "Harvest report",
        ["Ana Quispe"],
        "2022-11-03",
        "es",
    )
    # Wikipedia's navigation box is no byline.
    assert read_source(dev("html_wikipedia_new-zealand.html")).meta.authors == []


def test_markdown_front_matter_yaml_and_toml(tmp_path: Path) -> None:
    yaml = tmp_path / "brief.md"
    yaml.write_text(
        '---\ntitle: "Water Loss in Mid-Sized Cities"\nauthors:\n  - Ana Quispe\n'
        "  - Piotr Nowak\ndate: 2023-03-09\nlang: en\n---\n\nThe text.\n",
        encoding="utf-8",
    )
    meta = read_source(yaml).meta
    assert meta.title == "Water Loss in Mid-Sized Cities"
    assert meta.authors == ["Ana Quispe", "Piotr Nowak"]
    assert (meta.published, meta.language) == ("2023-03-09", "en")
    toml = tmp_path / "post.md"
    toml.write_text(
        '+++\ntitle = "Keyword generics"\nauthor = "Yosh Wuyts"\ndate = 2023-02-23\n+++\n\nText.\n',
        encoding="utf-8",
    )
    meta = read_source(toml).meta
    assert (meta.title, meta.authors, meta.published) == (
        "Keyword generics",
        ["Yosh Wuyts"],
        "2023-02-23",
    )


@pytest.mark.parametrize(
    ("value", "kept"),
    [
        ("Microsoft Word - draft3.docx", ""),
        ("Untitled", ""),
        ("report_final.pdf", ""),
        ("Reinvigorating Pakistan-Belarus Relations", "Reinvigorating Pakistan-Belarus Relations"),
    ],
)
def test_titles_a_tool_filled_in_are_dropped(value: str, kept: str) -> None:
    assert file_meta.title(value) == kept


def test_a_declared_language_must_match_the_texts_script() -> None:
    # LibreOffice saved the Russian essay with its template's "en-US".
    assert file_meta.language_of_text("en-us", "Первая очередь метрополитена") is None
    assert file_meta.language_of_text("ru", "Первая очередь метрополитена") == "ru"
    assert file_meta.language_of_text("en-us", "The first line of the metro") == "en-us"
    doc = parse_file(DOCS / "typeset_lo_zametki-ru.pdf")
    assert doc.meta.language is None and doc.meta.title == "Как строили первую линию метро"


def test_the_manifest_wins_and_the_file_fills_what_it_leaves(tmp_path: Path) -> None:
    path = dev("docx_pandoc_notes_footnote-and-endnote.docx")
    given = DocumentMeta(doc_id="notes", title="Notes test", published="2015-01-01")
    doc = parse_file(path, given)
    assert doc.meta.title == "Notes test" and doc.meta.published == "2015-01-01"
    assert doc.meta.authors == ["Jesse Rosenthal"] and doc.meta.language == "en-us"
