"""The footnote evaluation: the scorer on hand-built cases, the gold set's shape, the corpus."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from api.cli import main as cli_main
from eval import footnote_docs
from eval.footnote_scores import (
    GoldDocument,
    GoldMarker,
    GoldNote,
    PredictedMarker,
    evaluate,
    load_gold_set,
    score_document,
)

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "eval" / "data" / "footnotes"
SHARED = REPO.parent / "shared" / "footnotes-dev"
DECLARED_HELD_OUT = {
    "pdf_court_ca3_travelers-v-dammann.pdf",
    "pdf_report_cncf-supply-chain-best-practices-v2_endnotes.pdf",
    "docx_es_cndu-politicas-de-suelo.docx",
    "docx_ru_procurement-contract.docx",
    "html_wordpress_fivethirtyeight-endorsements.html",
    "html_htmlbook_google-sre-book-chapter.html",
    "md_rust-blog-keyword-generics.md",
}


def _gold(*markers: GoldMarker, notes: list[GoldNote]) -> GoldDocument:
    return GoldDocument("case", "x.pdf", "dev", "pdf", "report", "en", "", notes, list(markers))


NOTES = [
    GoldNote("1", "Thornton, J., Water Loss Control", ["https://example.org/a"]),
    GoldNote("2", "Interview with a supervisor"),
]
GOLD = _gold(
    GoldMarker("1", "they treat before it reaches a meter.", 0),
    GoldMarker("2", "or a hydrant opened without a permit.", 1),
    notes=NOTES,
)


def _predicted(
    label: str, before: str, note: str | None, urls: list[str] | None = None
) -> PredictedMarker:
    return PredictedMarker(label, before, note, urls or [])


@pytest.mark.unit
def test_right_markers_score_one() -> None:
    """Markers at the right place, whatever the line breaks, hyphens and quotes of the text."""
    before_1 = "Cities lose a quarter of the water they\ntreat before it reaches a me-\nter."
    before_2 = "a meter that under-reads, or a hydrant opened without a permit."
    predicted = [
        _predicted(
            "1", before_1, "Thornton, J.,  Water Loss Control, 2008", ["https://example.org/a/"]
        ),
        _predicted("[2]", before_2, "Interview with a supervisor, 2023."),
    ]
    c = score_document(GOLD, predicted).counts
    assert (c.precision, c.recall, c.note_text, c.url_recall) == (1.0, 1.0, 1.0, 1.0)


@pytest.mark.unit
def test_marker_at_the_wrong_place_counts_against_both() -> None:
    """The right label after the wrong text is a miss and a stray, not half a hit."""
    predicted = [
        _predicted("1", "they treat before it reaches", "Thornton, J., Water Loss Control"),
        _predicted("2", "or a hydrant opened without a permit.", "Interview with a supervisor"),
    ]
    score = score_document(GOLD, predicted)
    assert (score.counts.precision, score.counts.recall) == (0.5, 0.5)
    assert score.missed and score.missed[0].startswith("1 after")
    assert score.stray and score.stray[0].startswith("1 after")


@pytest.mark.unit
def test_wrong_label_is_no_match() -> None:
    """Two markers read as "12" (or numbered off by one) match nothing."""
    predicted = [
        _predicted(
            "12", "they treat before it reaches a meter.", "Thornton, J., Water Loss Control"
        ),
    ]
    c = score_document(GOLD, predicted).counts
    assert (c.matched, c.precision, c.recall) == (0, 0.0, 0.0)


@pytest.mark.unit
def test_lost_note_text_and_url_are_counted_for_found_markers() -> None:
    """A marker found whose note text was lost (or cut) fails note text; its URL is lost."""
    predicted = [
        _predicted("1", "they treat before it reaches a meter.", None),
        _predicted("2", "or a hydrant opened without a permit.", "Interview"),
    ]
    score = score_document(GOLD, predicted)
    assert (score.counts.recall, score.counts.notes_found, score.counts.notes_right) == (1.0, 2, 0)
    assert score.counts.url_recall == 0.0
    assert score.lost_urls == ["https://example.org/a"]


@pytest.mark.unit
def test_each_gold_marker_is_matched_once() -> None:
    """Two predictions of one marker: one hit, one stray."""
    gold = _gold(GoldMarker("1", "reaches a meter.", 0), notes=NOTES[:1])
    predicted = [_predicted("1", "reaches a meter.", "Thornton, J., Water Loss Control")] * 2
    c = score_document(gold, predicted).counts
    assert (c.matched, c.precision, c.recall) == (1, 0.5, 1.0)


@pytest.mark.unit
def test_alternative_labels_and_bracket_decoration() -> None:
    """A Markdown [^name] note may be named by its name or its rendered number; "(1)" is "1"."""
    gold = _gold(
        GoldMarker("1", "a new initiative", 0, alt_labels=["initiative"]),
        notes=[GoldNote("1", "Rust governance terminology")],
    )
    by_name = _predicted("initiative", "a new initiative", "Rust governance terminology can")
    in_brackets = _predicted("(1)", "a new initiative (", "Rust governance terminology")
    assert score_document(gold, [by_name]).counts.recall == 1.0
    assert score_document(gold, [in_brackets]).counts.recall == 1.0


@pytest.mark.unit
def test_latex_double_bar_symbol_is_the_bars_its_pdf_text_gives() -> None:
    """LaTeX's sixth note symbol, "‖", comes out of a PDF's text as "||": one label."""
    gold = _gold(
        GoldMarker("‖", "We noted probable jurisdiction.", 0),
        notes=[GoldNote("‖", "Lanm. Const., Art. VI")],
    )
    bars = _predicted("||", "We noted probable jurisdiction.", "Lanm. Const., Art. VI, § 2")
    single = _predicted("|", "We noted probable jurisdiction.", "Lanm. Const., Art. VI, § 2")
    assert score_document(gold, [bars]).counts.recall == 1.0
    assert score_document(gold, [single]).counts.recall == 0.0


# ---- the gold set -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def gold_set() -> list[GoldDocument]:
    return load_gold_set(DATA / "gold")


@pytest.mark.unit
def test_gold_set_has_the_size_and_spread_asked_for(gold_set: list[GoldDocument]) -> None:
    """>= 30 documents, >= 10 publishers or tools, >= 6 layouts, >= 3 in Russian."""
    assert len(gold_set) >= 30
    assert len({g.publisher for g in gold_set}) >= 10
    assert len({g.layout for g in gold_set}) >= 6
    assert sum(g.language == "ru" for g in gold_set) >= 3
    assert all(g.markers and g.notes for g in gold_set)


@pytest.mark.unit
def test_held_out_split_is_forty_percent_and_covers_every_format(
    gold_set: list[GoldDocument],
) -> None:
    held = [g for g in gold_set if g.split == "heldout"]
    assert {g.split for g in gold_set} == {"dev", "heldout"}
    assert len(held) / len(gold_set) >= 0.4
    assert {g.format for g in held} >= {"pdf", "docx", "odt", "html", "markdown"}
    declared = {Path(g.doc).name for g in held if g.doc.startswith("../shared/")}
    assert declared == DECLARED_HELD_OUT


@pytest.mark.unit
def test_every_document_is_there_or_has_its_recipe(gold_set: list[GoldDocument]) -> None:
    """Shared and committed files exist; a Debian PDF has its package, version and hash."""
    debian = {d.name: d for d in footnote_docs.DEBIAN}
    typeset = {d.name for d in footnote_docs.TYPESET}
    for g in gold_set:
        if g.doc.startswith("var/footnote-docs/debian/"):
            assert Path(g.doc).name in debian and "make footnote-docs" in g.build, g.name
        elif g.doc.startswith("../shared/"):
            if SHARED.is_dir():
                assert g.path.is_file(), g.doc
        else:
            assert g.path.is_file(), g.doc
            if g.doc.startswith("eval/data/footnotes/docs/"):
                assert Path(g.doc).name in typeset
                assert g.path.stat().st_size < 100_000  # small enough to commit
    for doc in footnote_docs.TYPESET:
        assert (footnote_docs.SOURCES / doc.source).is_file()


@pytest.mark.unit
def test_every_marker_points_at_a_note_with_opening_words(gold_set: list[GoldDocument]) -> None:
    for g in gold_set:
        assert len({m.note for m in g.markers}) <= len(g.notes)
        for m in g.markers:
            assert m.before.strip() and m.label.strip(), g.name
        for n in g.notes:
            assert n.opening is None or len(n.opening.split()) <= 12, (g.name, n.label)
            assert all(u.startswith(("http://", "https://", "ftp://", "www")) for u in n.urls), (
                g.name
            )


@pytest.mark.unit
def test_sources_md_lists_every_document(gold_set: list[GoldDocument]) -> None:
    listed = (DATA / "SOURCES.md").read_text(encoding="utf-8")
    for g in gold_set:
        assert f"`{g.name}`" in listed, g.name


# ---- on real files -------------------------------------------------------------------------------


def test_corpus_gold_scores_one() -> None:
    """The five corpus reports keep precision = recall = 1.0 and note text >= 0.99."""
    report = evaluate(DATA / "corpus")
    checks = {what: (value, met) for what, value, _, met in report.checks}
    assert checks["corpus precision"] == (1.0, True)
    assert checks["corpus recall"] == (1.0, True)
    assert checks["corpus note text"][1]
    assert len(report.documents) == 5 and not report.missing


def test_cli_writes_the_tables(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``citesearch eval --footnotes`` on one committed document: a table and two files."""
    folder = tmp_path / "gold"
    folder.mkdir()
    name = "typeset_md_zametki-ru.json"
    (folder / name).write_text((DATA / "gold" / name).read_text(encoding="utf-8"), encoding="utf-8")
    out = tmp_path / "out"
    assert cli_main(["eval", "--footnotes", str(folder), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "| dev: format markdown | 1 | 8 |" in printed
    data = json.loads((out / "footnotes.json").read_text(encoding="utf-8"))
    assert data["documents"][0]["name"] == "typeset_md_zametki-ru"
    assert (out / "footnotes.md").read_text(encoding="utf-8").startswith("| group |")


def test_cli_refuses_a_folder_without_gold(tmp_path: Path) -> None:
    assert cli_main(["eval", "--footnotes", str(tmp_path)]) == 2
