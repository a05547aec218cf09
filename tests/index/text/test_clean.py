"""Clean body text: what a reader sees is the source minus furniture, with an exact way back."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from index.parse import parse_file, parse_text
from index.records import DocumentMeta, ParsedDocument
from index.text.lexicon import load_lexicon

Parsed = Callable[[str], ParsedDocument]

PROSPECTS = "belarus-asia-prospects-for-cooperation"
EXPORT = "belarus-new-export-markets"
DOC_2021 = "belarus-asia-africa-latin-america-2021"
AKRAM = "pakistan-belarus-relations-akram-2021"
MINISTERS = "pakistan-belarus-foreign-ministers-meeting"
CORPUS = [PROSPECTS, EXPORT, DOC_2021, AKRAM, MINISTERS]
EVERY_DOC = [*CORPUS, "R-intro.pdf", "mdwtools-footnote.pdf"]
DEV_DOCS = Path(__file__).resolve().parents[3].parent / "shared" / "footnotes-dev"


def parse_small(text: str, is_word: Callable[[str], bool] | None = None) -> ParsedDocument:
    return parse_text(text, DocumentMeta("small", "Small"), "hash", is_word=is_word)


# --- the offset map ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", EVERY_DOC)
def test_offset_map_points_each_character_at_its_source(parsed_doc: Parsed, name: str) -> None:
    doc = parsed_doc(name)
    assert len(doc.body) > 3000 and len(doc.offsets) == len(doc.body)
    assert all(a <= b for a, b in zip(doc.offsets, doc.offsets[1:], strict=False))
    wrong = [
        (i, ch, doc.source_text[doc.offsets[i]])
        for i, ch in enumerate(doc.body)
        if ch.isalnum() and doc.source_text[doc.offsets[i]] != ch
    ]
    assert wrong == []


@pytest.mark.parametrize("name", EVERY_DOC)
def test_no_note_block_text_and_no_marker_digit_reaches_the_body(
    parsed_doc: Parsed, name: str
) -> None:
    doc = parsed_doc(name)
    blocks = [(p.body_end, p.end) for p in doc.pages if p.body_end < p.end]
    marker_chars = {
        offset for _, m in doc.marker_positions for offset in range(m.char_start, m.char_end)
    }
    for i, offset in enumerate(doc.offsets):
        if doc.body[i].isspace():
            continue
        assert not any(start <= offset < end for start, end in blocks), doc.body[i - 40 : i + 40]
        assert offset not in marker_chars, doc.body[i - 40 : i + 40]


@pytest.mark.parametrize("name", EVERY_DOC)
def test_each_marker_position_is_where_its_digits_were(parsed_doc: Parsed, name: str) -> None:
    doc = parsed_doc(name)

    in_body = set(doc.offsets)

    def source_letters(start: int, end: int) -> str:
        # Only text the body keeps: not another marker ('cooperation"57 . 58As'), not the note
        # block between "coal mine" and "37." at the top of the next page.
        return "".join(
            doc.source_text[i]
            for i in range(max(0, start), end)
            if doc.source_text[i].isalnum() and i in in_body
        )

    body = doc.body
    for pos, marker in doc.marker_positions:
        # White space put in for a removed marker carries its offset; text lies either side.
        before = max(i for i in range(max(0, pos - 5), pos) if not body[i].isspace())
        after = [i for i in range(pos, min(len(body), pos + 5)) if not body[i].isspace()]
        assert doc.offsets[before] < marker.char_start
        assert not after or doc.offsets[after[0]] >= marker.char_end
        before_body = "".join(ch for ch in doc.body[max(0, pos - 60) : pos] if ch.isalnum())[-12:]
        before_source = source_letters(marker.char_start - 3000, marker.char_start)
        assert before_source.endswith(before_body), (marker, doc.body[pos - 40 : pos])
        # Twelve letters, unless the document starts sooner (the "∗" of a title: "The footnote∗").
        assert len(before_body) == min(12, sum(ch.isalnum() for ch in doc.body[:pos]))


# --- what goes ----------------------------------------------------------------------------------


def test_html_breaks_are_gone_in_the_akram_article(parsed_doc: Parsed) -> None:
    doc = parsed_doc(AKRAM)
    assert "Author<br><br>Khalid Taimur Akram" in doc.source_text
    assert "<br" not in doc.body and "<" not in doc.body
    assert doc.body.startswith("Author\n\nKhalid Taimur Akram\n\n")


def test_web_chrome_lines_are_dropped(parsed_doc: Parsed) -> None:
    akram = parsed_doc(AKRAM)
    assert "Прокрутить вверх" in akram.source_text and "Прокрутить" not in akram.body
    ministers = parsed_doc(MINISTERS)
    assert "Read More:" not in ministers.body
    assert "Heads to Saudi Arabia for OIC" not in ministers.body
    assert "healthcare, and education.\n\nKamal further highlighted" in ministers.body


@pytest.mark.parametrize(
    ("stem", "line"),
    [
        (PROSPECTS, "18 "),
        (PROSPECTS, "19 "),
        (PROSPECTS, "44 "),
        (EXPORT, " 15 "),
        (EXPORT, " 36 "),
    ],
)
def test_page_numbers_are_not_text(parsed_doc: Parsed, stem: str, line: str) -> None:
    doc = parsed_doc(stem)
    match = re.search(rf"(?m)^{line}$", doc.source_text)
    assert match
    assert not any(match.start() <= offset < match.end() for offset in doc.offsets)


def test_running_headers_of_a_pdf_are_dropped(parsed_doc: Parsed) -> None:
    doc = parsed_doc("R-intro.pdf")
    for header in ("Chapter 1: Introduction and preliminaries", "Appendix B: Invoking R"):
        assert doc.source_text.count(header) >= 3
        assert header not in doc.body


@pytest.mark.parametrize(
    ("stem", "source", "body"),
    [
        (PROSPECTS, 'bilateral cooperation"1 . \n\nSuffice', 'bilateral cooperation".\n\nSuffice'),
        (EXPORT, "previous year3$25 million", "previous year $25 million"),
        (EXPORT, "products108Kazakhstan shows", "products Kazakhstan shows"),
        (EXPORT, 'enterprises". As 109these areas', 'enterprises". As these areas'),
        (EXPORT, "MILLION IN 202031. Nevertheless", "MILLION IN 2020. Nevertheless"),
        (DOC_2021, "yet to be consolidated.1\n\nTrade", "yet to be consolidated.\n\nTrade"),
    ],
)
def test_markers_are_removed_from_the_text(
    parsed_doc: Parsed, stem: str, source: str, body: str
) -> None:
    doc = parsed_doc(stem)
    assert source in doc.source_text
    assert body in doc.body


# --- what is mended ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stem", "broken", "joined"),
    [
        # "fire-" ends page 2's body, "fighting" opens page 3 after the notes.
        (
            PROSPECTS,
            r"supplies of fire-\n",
            "financed supplies of fire-fighting equipment produced",
        ),
        (PROSPECTS, r"Joint Belarusian-\n", "the Joint Belarusian-Pakistani Business Council"),
        (EXPORT, r"Belarus-\n\nChina", "bilateral Belarus-China relations"),
        (EXPORT, r"Belarusian-\n\nChinese", "Belarusian-Chinese"),
        ("R-intro.pdf", r"about 25 pack-\nages supplied", "There are about 25 packages supplied"),
        ("R-intro.pdf", r"Further-\nmore", "in any order. Furthermore the argument sequence"),
        ("mdwtools-footnote.pdf", r"inter-\nactive", "the Program itself is interactive but"),
    ],
)
def test_line_end_hyphens_join_words_and_keep_compounds(
    parsed_doc: Parsed, stem: str, broken: str, joined: str
) -> None:
    doc = parsed_doc(stem)
    assert re.search(broken, doc.source_text)
    assert joined in doc.body


def test_a_word_split_at_a_line_end_is_joined() -> None:
    text = (
        "The Republic of Belarus and the People's Republic of China agreed on closer coop-\n"
        "eration in trade, industry and science, and on the joint production of fire-\n"
        "fighting equipment for    the   emergency services of both countries.\n"
    )
    body = parse_small(text, is_word=load_lexicon()).body
    assert "agreed on closer cooperation in trade" in body
    assert "production of fire-fighting equipment for the emergency services" in body
    # Without a lexicon the document's own words decide; "cooperation" is not among them.
    assert "closer coop-eration in" in parse_small(text).body


def test_wrapped_lines_become_paragraphs(parsed_doc: Parsed) -> None:
    body = parsed_doc(PROSPECTS).body
    assert body.startswith(
        "Prospects for effective cooperation\n\n"
        "In June 2021, a Belarusian-Asian forum was held, which was attended by representatives "
        "of embassies of those Asian states in Russia and Belarus that do not have their "
        "diplomatic missions in Minsk and where there are no Belarusian foreign missions. "
        "In particular, the participants"
    )
    paragraphs = body.split("\n\n")
    assert 50 < len(paragraphs) < 120  # 2,905 source lines


def test_blank_lines_separate_paragraphs_unless_every_line_has_one() -> None:
    text = (
        "Belarus and Pakistan signed eight business-to-business memorandums during the\n"
        "forum, signalling a positive step toward deeper trade ties.\n"
        "\n"
        "The ministers also addressed regional and global issues, including the\n"
        "situation in the Middle East.\n"
    )
    assert parse_small(text).body == (
        "Belarus and Pakistan signed eight business-to-business memorandums during the forum, "
        "signalling a positive step toward deeper trade ties.\n\n"
        "The ministers also addressed regional and global issues, including the situation in "
        "the Middle East."
    )


def test_bullets_are_paragraphs_of_their_own(parsed_doc: Parsed) -> None:
    body = parsed_doc(AKRAM).body
    assert (
        "Closer business to business interaction\n\n"
        "• Extending political support at various international forums\n\n"
        "• Dynamic cooperation"
    ) in body


@pytest.mark.parametrize("name", EVERY_DOC)
def test_white_space_is_folded(parsed_doc: Parsed, name: str) -> None:
    body = parsed_doc(name).body
    assert "  " not in body and " \n" not in body and "\n " not in body
    assert "\n\n\n" not in body and "\t" not in body and "\u00a0" not in body
    assert body == body.strip()


def test_no_break_spaces_and_runs_of_spaces_become_one_space(parsed_doc: Parsed) -> None:
    doc = parsed_doc(AKRAM)
    assert "diplomatic meeting.\u00a0 With the advanced" in doc.source_text
    assert "diplomatic meeting. With the advanced" in doc.body


# --- star pages ---------------------------------------------------------------------------------


def test_star_pages_of_a_court_opinion_leave_the_body() -> None:
    pages = [
        "The Court holds for petitioners on every issue raised in these cases today.",
        "- 2 -\n[*2] the partnership's liabilities at the end of 2011 and [*3] nothing else.",
        "[*7] A footnote symbol [*] and a citation to [*77] stay as printed here.",
    ]
    body = parse_small("\f".join(pages)).body
    assert "the partnership's liabilities at the end of 2011 and nothing else." in body
    assert "[*2]" not in body and "[*3]" not in body
    # On page 3 only 3 and 4 are star pages: "[*7]" and "[*77]" are text, as is a bare "[*]".
    assert "[*7] A footnote symbol [*] and a citation to [*77] stay" in body


def test_the_tax_court_memo_reads_on_over_its_star_page() -> None:
    path = DEV_DOCS / "pdf_court_tax-court_bordelon_tc-memo-2020-26.pdf"
    if not path.is_file():
        pytest.skip(f"{path} is absent (the dev documents live outside the repository)")
    doc = parse_file(path)
    assert "[*31]" in doc.source_text and not re.search(r"\[\*\d+\]", doc.body)
    (marker,) = [m for f in doc.footnotes if f.shown == "14" for m in f.markers]
    pos = next(p for p, m in doc.marker_positions if m is marker)
    assert doc.body[:pos].endswith("is in Kilgore LLC by $550,000,")


def test_blank_lines_end_the_paragraphs_of_a_short_message() -> None:
    # Most lines follow a blank, as in double-spaced text, but none goes on with a sentence:
    # the blanks part paragraphs, so the greeting is not glued to the header line.
    text = (
        "From: Desk Editor To: Reporter\n\nHi desk,\n\n"
        "The ship left Gdansk on 30 May with 1,200 tonnes of potash for Karachi.\n\n"
        "It is due on 21 June.\n\nBest,\n\nAna\n"
    )
    paragraphs = parse_small(text).body.split("\n\n")
    assert paragraphs[:3] == [
        "From: Desk Editor To: Reporter",
        "Hi desk,",
        "The ship left Gdansk on 30 May with 1,200 tonnes of potash for Karachi.",
    ]


def test_a_heading_after_two_blank_lines_in_double_spaced_text_is_its_own_paragraph(
    parsed_doc: Parsed,
) -> None:
    paragraphs = parsed_doc(EXPORT).body.split("\n\n")
    assert "Gomel region: The Uzbek vector of cooperation" in paragraphs
    assert "The Year of the Regions as a topical media issue" in paragraphs
    (start,) = [p for p in paragraphs if p.startswith("In May 2021, the Belarusian Gomel Region")]
    assert start.endswith("supplies of cotton yarn to the Belarusian region.")


def test_two_blank_lines_after_a_full_line_go_on_with_the_sentence() -> None:
    # Double-spaced text where a page break left two blank lines inside a sentence.
    line = "the delegations of both countries agreed on a long list of joint projects for"
    text = "\n\n".join([line] * 6) + "\n\n\n\nthe coming years and signed it.\n\nThe end came.\n"
    body = parse_small(text).body
    assert "joint projects for the coming years and signed it." in body
