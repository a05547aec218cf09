"""Notes searched through the searcher, on the session's corpus index (real models): a word only
the notes hold finds the passages citing them, with the note as the reason; ``cites:`` narrows to
the passages whose notes cite a domain or a name, alone or with words; an unknown ``cites:`` finds
nothing and says so. The API, the CLI and the page: tests/api/test_notes_search.py and
tests/api/test_browser_query.py."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest

from index.records import Citation
from retrieval.hits import Hit
from retrieval.search import Searcher


def _citing(searcher: Searcher, test: Callable[[Citation], bool]) -> set[str]:
    """Every passage of the index with a note passing ``test``, read from the store."""
    return {
        chunk.chunk_id
        for doc_id in searcher.titles
        for chunk in searcher.store.chunks_of(doc_id)
        if any(test(c) for c in chunk.citations)
    }


def _pivovar(note: Citation) -> bool:
    return "pivovar" in (note.note or "").lower()


def _belta(note: Citation) -> bool:
    return any("belta.by" in url for url in note.urls)


def _shown_once(searcher: Searcher, hits: list[Hit], citing: set[str]) -> None:
    """Every passage in ``citing`` is a hit, the same text in another document's hit (also in),
    or overlaps one of its document's hits (its neighbour: overlapping passages of one document
    are shown once); and no hit is outside ``citing``."""
    assert {h.chunk_id for h in hits} <= citing
    shown = {h.chunk_id for h in hits} | {s.chunk_id for h in hits for s in h.also_in}
    ordinals = {
        c.chunk_id: (c.doc_id, c.ordinal) for c in searcher.store.get_chunks(sorted(citing))
    }
    for chunk_id in citing - shown:
        doc_id, ordinal = ordinals[chunk_id]
        assert any(
            h in ordinals and ordinals[h][0] == doc_id and abs(ordinals[h][1] - ordinal) == 1
            for h in shown
        ), chunk_id


@pytest.mark.parametrize("mode", ["bm25", "hybrid"])
def test_a_name_only_the_notes_hold_finds_the_passages_citing_it(
    searcher: Searcher, mode: str
) -> None:
    citing = _citing(searcher, _pivovar)
    assert len(citing) >= 5
    result = searcher.search("Pivovar", k=20, mode=mode)  # type: ignore[arg-type]
    assert result.missing == []  # not "no document mentions it": its notes do
    assert result.searched_for is None and result.suggestion is None
    # The passages citing him come first (in hybrid search the meaning of "Pivovar" may slip
    # an unrelated passage in before the weakest of them: min-max fusion gives that one 0).
    top = result.hits[:5]
    assert {h.chunk_id for h in top} <= citing
    _shown_once(searcher, [h for h in result.hits if h.chunk_id in citing], citing)
    for hit in top:
        note = hit.matched_note
        assert note is not None and "Pivovar" in (note.note or "")
        assert "pivovar" not in hit.text.lower()  # found through the note, not the text
        # The highlighted sentence is the claim whose marker is this note's.
        assert hit.highlight is not None and hit.highlight.start < note.offset
        assert "notes" in hit.scores
    # The answer is a claim citing him, taken from the first passage.
    assert result.answer is not None and result.answer.chunk_id == result.hits[0].chunk_id
    assert result.answer.text == result.hits[0].highlight.text  # type: ignore[union-attr]


def test_cites_narrows_to_the_passages_whose_notes_cite_it(searcher: Searcher) -> None:
    belta = _citing(searcher, _belta)
    alone = searcher.search("cites:belta.by", k=100)
    assert alone.total == len(alone.hits) <= len(belta)
    _shown_once(searcher, alone.hits, belta)
    assert alone.answer is not None and alone.answer.confidence == "strong match"
    for hit in alone.hits:
        assert hit.matched_note is not None and _belta(hit.matched_note)
        assert set(hit.scores) == {"notes"}  # ranked by the notes alone: no words to rank by
    words = searcher.search("tractors Pakistan cites:belta.by", k=20)
    assert words.hits and {h.chunk_id for h in words.hits} <= belta
    assert "tractor" in words.hits[0].text.lower()
    excluded = searcher.search("tractors Pakistan -cites:belta.by", k=50)
    assert excluded.hits and not {h.chunk_id for h in excluded.hits} & belta
    name = searcher.search("cites:Pivovar", k=50)
    _shown_once(searcher, name.hits, _citing(searcher, _pivovar))


def test_cites_of_nothing_any_note_cites_finds_nothing_and_says_so(searcher: Searcher) -> None:
    result = searcher.search("cites:belta.bz")
    assert (result.hits, result.total, result.answer) == ([], 0, None)
    assert result.missing == ["cites:belta.bz"]
    assert result.suggestion == "cites:belta.by"
    named = searcher.search("exports cites:Pivovr")
    assert named.hits == [] and named.missing == ["cites:Pivovr"]
    assert named.suggestion == "exports cites:Pivovar"


def test_note_weight_zero_leaves_notes_out_of_ranking(searcher: Searcher) -> None:
    options = replace(searcher.options, note_weight=0.0)
    plain = Searcher(searcher.store, searcher.embedder, options=options)
    result = plain.search("Pivovar", k=10, mode="bm25")
    assert result.hits == []  # no passage's own text names him
    # cites: is a filter, not a weight: it still works.
    _shown_once(searcher, plain.search("cites:Pivovar", k=50).hits, _citing(searcher, _pivovar))
