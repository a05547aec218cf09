"""PDF notes read by layout (``index/ingest/pdf_layout.py``): raised markers, note zones at the
page foot, notes carried over pages, endnote sections, URLs whole.

The real PDFs are the dev documents of ``../shared/footnotes-dev`` (expected values read off the
pages by hand); the layouts they lack (a wrapped note line that starts with a number, endnotes
in two columns, LibreOffice's i, ii, iii, column footnotes drawn before the next column) are
typeset here into ``tmp_path`` as small PDFs in Helvetica, raised markers set with a text rise.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from index.ingest.pdf import read_pdf
from index.parse import parse_file
from index.records import Footnote, ParsedDocument
from tests.index.ingest.pdf_pages import pdf_file, pdf_string, rule_ops

DEV = Path(__file__).resolve().parents[3].parent / "shared" / "footnotes-dev"
TAX = "pdf_court_tax-court_bordelon_tc-memo-2020-26.pdf"
ETHEREUM = "pdf_paper_ethereum-yellow-paper_latex.pdf"
CNCF = "pdf_report_cncf-supply-chain-best-practices-v1.pdf"
CALVARY = "pdf_court_ca1_calvary-chapel-v-mills.pdf"

Parsed = Callable[[str], ParsedDocument]
# (x, y, size, text): one printed line; "{4}" in the text is a raised marker (a text rise).
Run = tuple[float, float, float, str]
Rule = tuple[float, float, float]  # x0, x1, y: a horizontal rule drawn on the page


@pytest.fixture(scope="module")
def dev_doc() -> Parsed:
    cache: dict[str, ParsedDocument] = {}

    def parse(name: str) -> ParsedDocument:
        path = DEV / name
        if not path.is_file():
            pytest.skip(f"{path} is absent (the dev documents live outside the repository)")
        if name not in cache:
            cache[name] = parse_file(path)
        return cache[name]

    return parse


def by_label(doc: ParsedDocument, label: str, page: int | None = None) -> Footnote:
    found = [f for f in doc.footnotes if f.shown == label and page in (None, f.page)]
    assert len(found) == 1, (label, page, [(f.shown, f.page) for f in doc.footnotes])
    return found[0]


def before_marker(doc: ParsedDocument, footnote: Footnote, words: int = 3) -> str:
    """The words printed just before the note's (only) marker, and the marker itself."""
    (marker,) = footnote.markers
    head = doc.source_text[max(0, marker.char_start - 80) : marker.char_start]
    return (
        " ".join(head.split()[-words:]) + "|" + doc.source_text[marker.char_start : marker.char_end]
    )


# --- real PDFs ---------------------------------------------------------------------------------


TAX_NOTES = [
    ("1", 1, "Three cases are consolidated here: Rock", "AND TORIE BORDELON,"),
    ("2", 3, "Unless otherwise indicated, all section references", "under section 6662(a)"),
    ("3", 4, "The parties have stipulated that: (1)", "by the parties,"),
    ("4", 8, "The parties have not alleged nor", "and an individual."),
    ("5", 9, "The Commissioner argues that nothing in", "end of 2011."),
    ("6", 12, "As for the burden of proof", "deduct those losses."),
    ("7", 13, "For the Many LLC loss deductions,", "can be deducted."),
    ("8", 16, "The “ultimate liability” analysis used to", "for the debt."),
    ("9", 20, "See Melvin v. Commissioner, 88 T.C.", "he does cite"),
    ("10", 23, "Among the U.S. Courts of Appeals", "under section 465(b)(2)(A)."),
    ("11", 24, "A memorandum of “Chief Counsel advice”", "(Feb. 22, 2013)."),
    ("12", 25, "The Commissioner’s position in this case", "any amounts contributed."),
    ("13", 30, "The Commissioner argued that Mr. Bordelon", "date in 2014."),
    ("14", 31, "The Commissioner has made no argument", "[*31] $550,000,"),
    ("15", 31, "The determination that Mr. Bordelon was", "the Kilgore Loan"),
]


def test_tax_court_every_note_with_its_opening_words_and_its_marker(dev_doc: Parsed) -> None:
    doc = dev_doc(TAX)
    assert [f.shown for f in doc.footnotes] == [str(n) for n in range(1, 16)]
    for label, page, opening, before in TAX_NOTES:
        footnote = by_label(doc, label)
        assert footnote.page == page
        assert footnote.note is not None and footnote.note.startswith(opening), label
        words = len(before.split())
        assert before_marker(doc, footnote, words) == f"{before}|{label}"
    assert doc.warnings == []


def test_tax_court_note_continued_on_the_next_page_is_one_note(dev_doc: Parsed) -> None:
    """Note 10 runs from page 23 to 24: "(continued...)" at the foot, "10(...continued)" over
    the rest; neither phrase is note text, and the rest is not body text of page 24."""
    doc = dev_doc(TAX)
    note = by_label(doc, "10").note
    assert note is not None
    assert "choosing between the tests might lead to different results, see, e.g., Thornock" in note
    assert note.endswith("both approaches would lead to the same result.")
    assert "continued" not in note
    assert "little distinction between the two frameworks in Wag-A-Bag" not in doc.body
    # The caption's marker ("BORDELON,1") is gone from the body, the name stays.
    assert "ROCK BORDELON AND TORIE BORDELON, Petitioners" in doc.body


def test_court_opinion_markers_glued_to_note_text(dev_doc: Parsed) -> None:
    doc = dev_doc(CALVARY)
    assert [(f.shown, f.page) for f in doc.footnotes] == [("1", 6), ("2", 10)]
    one, two = doc.footnotes
    assert one.note is not None and one.note.startswith("The Chapel claimed violations of the Free")
    assert two.note is not None and two.note.startswith("Even if these circumstances qualified")
    assert before_marker(doc, one, 2) == "and statutory.|1"
    assert before_marker(doc, two, 2) == "restraining order.|2"


def test_latex_paper_footnotes_linked_and_bibliography_left_alone(dev_doc: Parsed) -> None:
    doc = dev_doc(ETHEREUM)
    assert [f.shown for f in doc.footnotes] == [str(n) for n in range(1, 13)]
    assert all(f.kind == "footnote" and len(f.markers) == 1 for f in doc.footnotes)
    assert before_marker(doc, by_label(doc, "1"), 2) == "for transactions|1"
    assert before_marker(doc, by_label(doc, "12"), 3) == "as LMD Ghost.|12"
    # The note number is raised, the note's text starts with a number: "82048 = 2^11" is note 8.
    assert (by_label(doc, "8").note or "").startswith("2048 = 211 (11 bits)")
    # Notes 6 and 8 are printed at the foot of the page before their marker's line.
    assert by_label(doc, "6").page == 5 and by_label(doc, "6").markers[0].page == 6
    assert "note 8 (page 6): its marker taken from page 7" in doc.warnings
    # The author-year bibliography ("Jacob Aron. BitCoin software ...") gives no note and stays
    # body text.
    assert "References\n\nJacob Aron. BitCoin software" in doc.body
    assert not any("Jacob Aron" in (f.note or "") for f in doc.footnotes)


CNCF_URLS = {
    # a typesetter's hyphen at a line break dropped, the URL's own kept
    "5": "https://www.fireeye.com/blog/threat-research/2020/12/evasive-attacker-leverages-"
    "solarwinds-supply-chain-compromises-with-sunburst-backdoor.html",
    "7": "https://www.atlanticcouncil.org/in-depth-research-reports/report/breaking-trust-"
    "shades-of-crisis-across-an-insecure-software-supply-chain/",
    "3": "https://github.com/cncf/tag-security/supply-chain-security/supply-chain-security-"
    "whitepaper/secure-supply-chain-assessment.md",
    # broken after a dot, and before a file extension
    "10": "https://www.csoonline.com/article/3191947/supply-chain-attacks-show-why-you-should-"
    "be-wary-of-third-party-providers.html",
    "37": "https://software.af.mil/wp-content/uploads/2020/10/Final-DevSecOps-Enterprise-"
    "Container-Hardening-Guide-1.1-Public-Release.pdf",
}


def test_report_with_url_notes_every_marker_and_whole_urls(dev_doc: Parsed) -> None:
    doc = dev_doc(CNCF)
    assert [f.shown for f in doc.footnotes] == [str(n) for n in range(1, 70)]
    assert all(len(f.markers) == 1 and f.markers[0].page == f.page for f in doc.footnotes)
    for label, url in CNCF_URLS.items():
        assert url in by_label(doc, label).urls, label
    assert by_label(doc, "19").urls == [
        "https://docs.gitlab.com/ee/user/project/repository/gpg_signed_commits/",
        "https://docs.github.com/en/github/authenticating-to-github/telling-git-about-your-signing-key",
    ]
    assert by_label(doc, "40").urls == [
        "https://wiki.debian.org/ReproducibleBuilds",
        "https://wiki.archlinux.org/index.php/Reproducible_Builds",
    ]
    assert before_marker(doc, by_label(doc, "4"), 3) == "evidenced by NotPetya|4"
    # Each guess about a hyphen in a URL is said.
    assert any("“compromis-es”" in w and "hyphenation" in w for w in doc.warnings)
    # The note's text reads the URL whole too, not "compromis-es" or "propos- al".
    assert (by_label(doc, "5").note or "").startswith(by_label(doc, "5").urls[0])
    assert "https://github.com/tc39/proposal-compartments or" in (by_label(doc, "32").note or "")


# --- typeset here ------------------------------------------------------------------------------


def _line_ops(x: float, y: float, size: float, text: str) -> bytes:
    ops = b"BT 1 0 0 1 %g %g Tm " % (x, y)
    for part in re.split(r"(\{[^}]+\})", text):
        if part.startswith("{"):
            ops += b"/F1 %g Tf %g Ts " % (size * 0.6, size * 0.35)
            ops += pdf_string(part[1:-1]) + b" Tj 0 Ts "
        elif part:
            ops += b"/F1 %g Tf " % size + pdf_string(part) + b" Tj "
    return ops + b"ET\n"


def write_pdf(
    path: Path, pages: Sequence[Sequence[Run]], rules: Sequence[Sequence[Rule]] = ()
) -> Path:
    """A PDF of US Letter pages, each line drawn in the order given, in Helvetica; ``rules``
    gives each page's horizontal rules (drawn paths, as a note separator is)."""
    contents = [
        b"".join(_line_ops(*run) for run in runs) + rule_ops(rules[k] if k < len(rules) else ())
        for k, runs in enumerate(pages)
    ]
    return pdf_file(path, contents)


def body(y: float, text: str, x: float = 72) -> Run:
    return (x, y, 11, text)


BODY = [
    body(644, "Nothing in the census contradicts the survey, which agrees with it within a margin"),
    body(630, "of error that the office publishes each year with the tables of the census itself."),
    body(616, "The figures of the last three years were revised when the new method came in."),
]


def note_page(
    text: Sequence[str],
    notes: Sequence[tuple[float, str]],
    note_size: float,
    pitch: float = 14,
    filler: bool = True,
) -> list[Run]:
    """A page of notes: ``text`` in 11-point body type from the top, ``pitch`` apart (28: a
    court's double spacing), ``BODY`` after it when ``filler``, then each note line (baseline,
    text) at ``note_size``."""
    lines = [(72.0, 700.0 - pitch * i, 11.0, line) for i, line in enumerate(text)]
    return lines + (list(BODY) if filler else []) + [(72.0, y, note_size, t) for y, t in notes]


def court_page(text: Sequence[str], notes: Sequence[tuple[float, str]]) -> list[Run]:
    """A word processor's court page: double-spaced text, notes at the text's size."""
    return note_page(text, notes, 11, pitch=28, filler=False)


JUDGMENT = "The District Court entered judgment for the bank,{1} and the estate"
FACTS = "The facts are not in dispute, and the parties agree on the governing law."
QUESTION = "The question is one of construction, which is a question of law for us."


def policy(marker: str) -> list[str]:
    """The second page's text, its marker ``{n}`` after the first sentence."""
    return [
        f"The policy covers losses caused by the insured's employees.{marker} It excludes",
        "losses that the insured discovered before the policy period began.",
        "Both sides read the exclusion as reaching the losses the bank first saw.",
    ]


def notes_of(doc: ParsedDocument) -> list[tuple[str, str]]:
    return [(f.shown, f.note or "") for f in doc.footnotes]


def test_a_wrapped_note_line_starting_with_a_number_stays_in_its_note(tmp_path: Path) -> None:
    """Issue 23's Supreme Court case: inside note 4 a line begins "5 and 40 percent"; note
    labels are raised, that 5 is not, so it goes on with note 4 and note 5 stays note 5."""
    page = note_page(
        [
            "The Special Master found that the water flowed{4} into the basin and that",
            "the tribe had a right to a share of it.{5} The court agreed with that view.",
        ],
        [
            (117, "{4}The Special Master estimated that the subbasin received between"),
            (106, "5 and 40 percent of undesignated water flowing into subbasin 5; pro-"),
            (95, "portionally less in dry years."),
            (84, "{5}The decree of 1964 fixed the share for good."),
        ],
        9,
    )
    doc = parse_file(write_pdf(tmp_path / "opinion.pdf", [page]))
    assert notes_of(doc) == [
        (
            "4",
            "The Special Master estimated that the subbasin received between 5 and 40 percent "
            "of undesignated water flowing into subbasin 5; proportionally less in dry years.",
        ),
        ("5", "The decree of 1964 fixed the share for good."),
    ]
    assert before_marker(doc, by_label(doc, "5"), 2) == "of it.|5"
    assert any("note 4" in w and "“5”" in w for w in doc.warnings)


def test_notes_in_body_type_under_a_separator_rule(tmp_path: Path) -> None:
    """A word processor's court opinion: body double-spaced, notes at the body's size but
    single-spaced under a short rule, note numbers at full size; a note goes on under the next
    page's rule, and a line of it that starts with a number ("28 U.S.C.") stays in it."""
    first = court_page(
        [
            JUDGMENT,
            "appealed within the time the rules allow.{2} We review the judgment de novo.",
            FACTS,
            QUESTION,
        ],
        [
            (132, "1 The District Court had jurisdiction over the action under"),
            (119, "28 U.S.C. § 1332, the parties being citizens of different States."),
            (100, "2 The notice of appeal was filed on the thirtieth day, the last day on"),
            (87, "which it could be filed under the rules, and so was"),
        ],
    )
    second = court_page(
        policy("{3}"),
        [
            (132, "timely. The estate does not contest the point."),
            (113, "3 The policy is in the appendix at pages 41 to 67."),
        ],
    )
    rule = (72.0, 216.0, 150.0)
    doc = parse_file(write_pdf(tmp_path / "ruled.pdf", [first, second], [[rule], [rule]]))
    assert notes_of(doc) == [
        (
            "1",
            "The District Court had jurisdiction over the action under 28 U.S.C. § 1332, the "
            "parties being citizens of different States.",
        ),
        (
            "2",
            "The notice of appeal was filed on the thirtieth day, the last day on which it could "
            "be filed under the rules, and so was timely. The estate does not contest the point.",
        ),
        ("3", "The policy is in the appendix at pages 41 to 67."),
    ]
    assert before_marker(doc, by_label(doc, "2"), 2) == "rules allow.|2"
    assert "timely" not in doc.body and "28 U.S.C." not in doc.body
    assert doc.warnings == []  # note 2 broke off mid-sentence: carrying it over is no guess


def test_a_note_in_body_type_goes_on_by_its_line_spacing_when_no_rule_is_drawn(
    tmp_path: Path,
) -> None:
    """No separator: the single-spaced lines above the next page's first note, under a
    double-spaced body, end the note that broke off mid-sentence; a guess, so said."""
    first = court_page(
        [
            JUDGMENT,
            "appealed within the time the rules allow. We review the judgment de novo.",
            FACTS,
        ],
        [
            (119, "{1}The District Court had jurisdiction over the action under 28 U.S.C."),
            (106, "§ 1332, the parties being citizens of different States, and the amount"),
        ],
    )
    second = court_page(
        [*policy("{2}"), QUESTION],
        [
            (132, "in controversy being more than $75,000."),
            (113, "{2}The policy is in the appendix at pages 41 to 67."),
        ],
    )
    doc = parse_file(write_pdf(tmp_path / "spaced.pdf", [first, second]))
    assert notes_of(doc) == [
        (
            "1",
            "The District Court had jurisdiction over the action under 28 U.S.C. § 1332, the "
            "parties being citizens of different States, and the amount in controversy being "
            "more than $75,000.",
        ),
        ("2", "The policy is in the appendix at pages 41 to 67."),
    ]
    assert "in controversy" not in doc.body and "question of law for us" in doc.body
    assert doc.warnings == [
        "page 2: 1 single-spaced line(s) above the notes taken as the rest of note 1 from "
        "page 1 (no rule sets the notes off from the text)"
    ]


def test_plain_note_numbers_the_one_after_a_sentence_opens_the_note(tmp_path: Path) -> None:
    """Note numbers in the notes' small type, not raised, flush left like the note's lines:
    of two lines starting with "5", the one after the end of a sentence opens note 5."""
    page = note_page(
        [
            "Water rights were settled by the court{4} after a long trial, and the share",
            "of the tribe{5} was fixed for good by the decree read out in the court room.",
        ],
        [
            (120, "4 The Special Master estimated that the subbasin received between"),
            (110, "5 and 40 percent of undesignated water flowing into subbasin 5; pro-"),
            (100, "portionally less in dry years."),
            (90, "5 The share is set out in the decree of 1964."),
        ],
        8,
    )
    doc = parse_file(write_pdf(tmp_path / "plain.pdf", [page]))
    four, five = doc.footnotes
    assert (four.shown, five.shown) == ("4", "5")
    assert (four.note or "").endswith("flowing into subbasin 5; proportionally less in dry years.")
    assert five.note == "The share is set out in the decree of 1964."
    assert any("taken as a line of note 4" in w for w in doc.warnings)


def test_a_note_goes_on_at_the_foot_of_the_next_page(tmp_path: Path) -> None:
    first = [
        body(700, "The survey covered every district of the region.{1} Its results were published"),
        body(686, "in the spring, long after the harvest."),
        *BODY,
        (
            72,
            110,
            8,
            "{1}The survey was made by the regional statistics office with the help of the",
        ),
        (
            72,
            100,
            8,
            "ministry, which lent it forty inspectors for the months of the harvest and paid",
        ),
    ]
    second = [
        body(700, "Later surveys used the same method{2} and found the same pattern in each year."),
        *BODY,
        (
            72,
            110,
            8,
            "for their travel, as the report of the office explains at length in its annex.",
        ),
        (72, 96, 8, "{2}The method is described in the annex to the 2019 report."),
    ]
    doc = parse_file(write_pdf(tmp_path / "carried.pdf", [first, second]))
    assert notes_of(doc) == [
        (
            "1",
            "The survey was made by the regional statistics office with the help of the "
            "ministry, which lent it forty inspectors for the months of the harvest and paid "
            "for their travel, as the report of the office explains at length in its annex.",
        ),
        ("2", "The method is described in the annex to the 2019 report."),
    ]
    assert "for their travel" not in doc.body
    assert doc.warnings == []  # the note ended mid-sentence: carrying it over is no guess


def test_endnotes_in_two_columns_under_a_heading(tmp_path: Path) -> None:
    first = [
        body(700, "Exports of tractors grew by a third in 2021.{1} The plant opened a line in"),
        body(
            686, "Tashkent{2} and another in Almaty, where sales doubled.{3} Prices were not given."
        ),
        body(672, "The energy bill was 10{2} times larger than in the year before the war."),
        *BODY,
    ]
    second = [
        body(700, "A second chapter discusses the dairy trade{4} and the grain deals of the"),
        body(686, "spring.{5} Nothing else was said about the deals in the ministry's report."),
        *BODY,
    ]
    notes = [
        (72, 720, 14, "ENDNOTES"),
        (72, 700, 8, "1 Ministry of Industry, annual report, https://minprom.gov.by/reports/"),
        (72, 690, 8, "annual-2021-tractors.pdf"),
        (72, 680, 8, "2 The Tashkent line assembles 300 tractors a year."),
        (72, 670, 8, "3 Belta, 4 May 2021."),
        (320, 700, 8, "4 Dairy exports doubled; see https://www.belta.by/economics/view/"),
        (320, 690, 8, "dairy-2021/ for the figures."),
        (320, 680, 8, "5 Reuters, 12 April 2021."),
    ]
    doc = parse_file(write_pdf(tmp_path / "endnotes.pdf", [first, second, notes]))
    assert [(f.shown, f.kind, f.page) for f in doc.footnotes] == [
        (str(n), "endnote", 3) for n in range(1, 6)
    ]
    assert by_label(doc, "1").urls == ["https://minprom.gov.by/reports/annual-2021-tractors.pdf"]
    assert by_label(doc, "4").urls == ["https://www.belta.by/economics/view/dairy-2021/"]
    assert by_label(doc, "5").note == "Reuters, 12 April 2021."
    # The raised 2 of "10²" is an exponent: note 2's marker is the one after "Tashkent".
    assert before_marker(doc, by_label(doc, "2"), 3) == "line in Tashkent|2"
    assert [f.markers[0].page for f in doc.footnotes] == [1, 1, 1, 2, 2]
    assert "Reuters" not in doc.body and "Tashkent line assembles" not in doc.body


def test_endnotes_numbered_again_in_each_chapter(tmp_path: Path) -> None:
    """A "Notes" section after each chapter, both numbered from 1: each chapter's markers go to
    its own section's notes, and the second chapter's text is no note."""
    chapter_one = [
        body(
            700, "The plant opened a line in Tashkent.{1} Sales doubled in the first year{2} too."
        ),
        *BODY,
    ]
    notes_one = [
        (72, 720, 14, "Notes"),
        (72, 700, 8, "1 Belta, 4 May 2021."),
        (72, 690, 8, "2 Company report, 2022."),
    ]
    chapter_two = [
        body(700, "The dairy trade grew too.{1} Exports to China{2} came last, in the autumn."),
        *BODY,
    ]
    notes_two = [
        (72, 720, 14, "Notes"),
        (72, 700, 8, "1 Customs data, 2021."),
        (72, 690, 8, "2 Reuters, 3 October 2021."),
    ]
    pages: list[Sequence[Run]] = [chapter_one, notes_one, chapter_two, notes_two]
    doc = parse_file(write_pdf(tmp_path / "chapters.pdf", pages))
    assert [(f.shown, f.page, f.note, f.markers[0].page) for f in doc.footnotes] == [
        ("1", 2, "Belta, 4 May 2021.", 1),
        ("2", 2, "Company report, 2022.", 1),
        ("1", 4, "Customs data, 2021.", 3),
        ("2", 4, "Reuters, 3 October 2021.", 3),
    ]
    assert "Exports to China came last" in doc.body


def test_endnotes_numbered_i_ii_iii_on_the_last_page_without_a_heading(tmp_path: Path) -> None:
    """LibreOffice's endnotes: a page of their own at the end, smaller type, no heading,
    numbered i, ii, iii like their raised markers."""
    first = [
        body(700, "The harvest was late in the north.{i} Prices rose in the autumn{ii} and fell"),
        body(686, "again when the imports came in.{iii} The ministry did not comment on it."),
        *BODY,
    ]
    notes = [
        (57, 720, 10, "i Regional statistics office, harvest bulletin 2021."),
        (57, 708, 10, "ii Prices of wheat and barley on the commodity exchange, which the"),
        (71, 696, 10, "exchange publishes weekly."),
        (57, 684, 10, "iii Customs data for the fourth quarter."),
    ]
    doc = parse_file(write_pdf(tmp_path / "lo-endnotes.pdf", [first, notes]))
    assert [(f.shown, f.kind) for f in doc.footnotes] == [
        ("i", "endnote"),
        ("ii", "endnote"),
        ("iii", "endnote"),
    ]
    assert by_label(doc, "ii").note == (
        "Prices of wheat and barley on the commodity exchange, which the exchange publishes weekly."
    )
    assert before_marker(doc, by_label(doc, "iii"), 2) == "came in.|iii"


def test_symbol_markers_and_a_note_number_on_its_own_line(tmp_path: Path) -> None:
    symbols = [
        body(700, "The first figure{*} comes from the census and the second{†} from a survey; the"),
        body(686, "third{‡} is an estimate made by the authors for this report, as the note says."),
        *BODY,
        (72, 110, 8, "{*}Census of 2019, table 4."),
        (72, 100, 8, "{†}Household survey, wave 3."),
        (72, 90, 8, "{‡}Our estimate, see the annex."),
    ]
    lone = [
        body(700, "The second chapter{1} deals with the harvest and the prices of grain in the"),
        body(
            686, "region, which fell by a fifth{2} in the year the survey was made by the office."
        ),
        *BODY,
        (72, 122, 6, "1"),
        (72, 112, 9, "The harvest figures are those of the ministry."),
        (72, 100, 6, "2"),
        (72, 90, 9, "Prices of wheat and barley only."),
    ]
    doc = parse_file(write_pdf(tmp_path / "symbols.pdf", [symbols, lone]))
    assert notes_of(doc) == [
        ("*", "Census of 2019, table 4."),
        ("†", "Household survey, wave 3."),
        ("‡", "Our estimate, see the annex."),
        ("1", "The harvest figures are those of the ministry."),
        ("2", "Prices of wheat and barley only."),
    ]
    assert before_marker(doc, by_label(doc, "†"), 2) == "the second|†"
    assert [f.page for f in doc.footnotes] == [1, 1, 1, 2, 2]


def test_column_footnotes_drawn_before_the_next_column_end_the_page(tmp_path: Path) -> None:
    """Two columns, each with its note at its foot, drawn column by column: in the extracted
    text the left column's note comes before the right column's text. The page's text puts the
    notes last, so the right column stays body text and both notes are notes."""
    left = [body(700 - 14 * i, f"Left column text line number {i} of the page.") for i in range(8)]
    left[2] = body(672, "Left column text with a marker{1} in it now.")
    right = [body(700 - 14 * i, f"Right column line {i} goes on here.", x=320) for i in range(8)]
    right[3] = body(658, "Right column with its marker{2} too.", x=320)
    page = [
        *left,
        (72, 100, 8, "{1}The left note, at the foot of the left column."),
        *right,
        (320, 100, 8, "{2}The right note, at the foot of the right one."),
    ]
    doc = parse_file(write_pdf(tmp_path / "columns.pdf", [page]))
    assert notes_of(doc) == [
        ("1", "The left note, at the foot of the left column."),
        ("2", "The right note, at the foot of the right one."),
    ]
    assert "Right column line 7 goes on here." in doc.body
    assert "left note" not in doc.body
    text = doc.source_text
    assert text.index("Right column line 7") < text.index("The left note")
    assert before_marker(doc, by_label(doc, "2"), 2) == "its marker|2"


def test_digits_set_like_the_text_are_left_to_the_text_parser(tmp_path: Path) -> None:
    """No raised type: layout cannot tell a marker, so the PDF's notes are the text parser's."""
    page = [
        body(700, "The plant opened a line in Tashkent.1 Sales doubled in the first year."),
        *BODY,
        (72, 100, 8, "1 Belta, 4 May 2021."),
    ]
    path = write_pdf(tmp_path / "flat.pdf", [page])
    assert read_pdf(path).notes is None
    doc = parse_file(path)
    assert notes_of(doc) == [("1", "Belta, 4 May 2021.")]


def test_symbol_markers_set_at_full_size_in_columns_of_smaller_type(tmp_path: Path) -> None:
    """groff's mom: "*", "†", "‡" printed at full size against the word they follow, the notes
    at each column's foot (the left one's drawn before the right column), on a page set in
    smaller type than the document's first pages (whose type is the body's by count)."""
    opening = [
        (72.0, 700.0 - 14 * i, 12.5, f"The first chapter is set in larger type, line {i}.")
        for i in range(40)
    ]
    left = [
        (72.0, 700.0 - 12 * i, 10.0, f"Left column text line {i} of the paper.") for i in range(8)
    ]
    left[2] = (72.0, 676.0, 8.0, "a quotation ends the paragraph here.* And")
    left[5] = (72.0, 640.0, 10.0, "dolor sit amet. Sadipscing† elitr sed")
    right = [
        (320.0, 700.0 - 12 * i, 10.0, f"Right column line {i} goes on here.") for i in range(8)
    ]
    right[3] = (320.0, 664.0, 10.0, "No sea takimata‡ sanctus est lorem.")
    page = [
        *left,
        (72, 100, 8, "*Clita ipsum dolor sit amet, consetetur."),
        (72, 90, 8, "†Sadipscing diam nonumy eirmod tempor."),
        *right,
        (320, 90, 8, "‡Takimata sadipscing elitr, sed diam."),
    ]
    doc = parse_file(write_pdf(tmp_path / "mom.pdf", [opening, opening, page]))
    assert notes_of(doc) == [
        ("*", "Clita ipsum dolor sit amet, consetetur."),
        ("†", "Sadipscing diam nonumy eirmod tempor."),
        ("‡", "Takimata sadipscing elitr, sed diam."),
    ]
    assert before_marker(doc, by_label(doc, "*"), 2) == "paragraph here.|*"
    assert before_marker(doc, by_label(doc, "†"), 2) == "amet. Sadipscing|†"
    assert before_marker(doc, by_label(doc, "‡"), 2) == "sea takimata|‡"
    assert "Right column line 7 goes on here." in doc.body


def test_a_note_that_grows_in_size_under_the_separator_is_still_a_note(tmp_path: Path) -> None:
    """groff through Ghostscript: after a "™" the type comes out larger, in the lines with the
    markers (so their size is not the body's) and in the rest of a note; under the note
    separator it is all notes, and the next page's text (under a heading) is no note's rest."""
    page = [
        (72, 700, 12, "All of the techniques have been tested, using groff 1.19.1,{1} in"),
        (72, 686, 12, "association with GhostScript 8.14.{2} Other tools employed are sed, awk"),
        (72, 672, 12, "and make, readily available on any Unix™ or GNU/Linux system, they are."),
        *BODY,
        (72, 140, 8, "1. Later versions should be equally suitable. See the groff site."),
        (72, 128, 8, "2. A free but comprehensive POSIX emulation environment and Unix™"),
        (92, 116, 11, "platforms; see http://cygwin.com for information and download."),
    ]
    heading = (72.0, 720.0, 14.0, "2. Exploiting PDF Document Features")
    after = [heading, *[(x, y - 60 * k, 11.0, text) for k in range(5) for x, y, _, text in BODY]]
    doc = parse_file(write_pdf(tmp_path / "ms.pdf", [page, after], [[(72.0, 144.0, 150.0)]]))
    assert notes_of(doc) == [
        ("1", "Later versions should be equally suitable. See the groff site."),
        (
            "2",
            "A free but comprehensive POSIX emulation environment and Unix™ platforms; see "
            "http://cygwin.com for information and download.",
        ),
    ]
    assert before_marker(doc, by_label(doc, "2"), 2) == "GhostScript 8.14.|2"
    assert "cygwin" not in doc.body
    assert doc.body.count("The figures of the last three years were revised") == 6
    assert doc.warnings == []
