"""One answer, one highlight, on the corpus with the real models: the passage the answer box
quotes highlights the quoted sentence, whatever scores best there for the highlight alone."""

from __future__ import annotations

from retrieval.search import Searcher


def test_the_answers_passage_highlights_the_answer(searcher: Searcher) -> None:
    question = "When were diplomatic relations between Belarus and Pakistan established?"
    result = searcher.search(question, k=10)
    answer = result.answer
    assert answer is not None and "3 February 1994" in answer.text
    hit = next(hit for hit in result.hits if hit.chunk_id == answer.chunk_id)
    assert hit.highlight is not None
    assert hit.highlight.text == answer.text
    assert (hit.highlight.start, hit.highlight.end) == (answer.start, answer.end)


def test_each_candidates_passage_highlights_it(searcher: Searcher) -> None:
    # A question no sentence answers strongly: the box shows candidates to check.
    result = searcher.search("How many residents are in the Great Stone industrial park?", k=10)
    answer = result.answer
    assert answer is not None and answer.state == "candidates"
    assert answer.confidence == "partial match" and len(answer.candidates) >= 2
    highlights = {hit.chunk_id: hit.highlight for hit in result.hits}
    for candidate in answer.candidates:
        first = next(c for c in answer.candidates if c.chunk_id == candidate.chunk_id)
        highlight = highlights.get(candidate.chunk_id)
        assert highlight is None or highlight.text == first.text
