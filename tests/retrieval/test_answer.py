"""Which footnotes source a sentence, on passages from the corpus."""

from __future__ import annotations

from index.records import Citation
from index.sentences import sentence_spans
from retrieval.answer import best_highlight, sentence_citations


def _cite(n: int, offset: int) -> Citation:
    return Citation(n, f"note {n}", [], offset)


def test_own_marker_sources_the_sentence() -> None:
    text = 'Trade grew by 58 percent. "China became the second largest partner.". Next one.'
    marker = text.index('".') + 1
    spans = sentence_spans(text)
    start, end = spans[1]
    cited = sentence_citations(text, [_cite(3, marker)], start, end)
    assert [c.n for c in cited] == [3]
    assert cited[0].offset == marker - start


def test_sentence_inside_a_quotation_takes_the_closing_marker() -> None:
    # From belarus-new-export-markets: the note after the closing quote sources the whole quote.
    text = (
        'It turned out that "dairy products are quite widely used in Jordanian cuisine. The '
        "country has its own production of condensed milk, but to meet the need for this product "
        'in all spheres, it is also imported from abroad". Belarusian producers have tried.'
    )
    marker = text.index('abroad"') + len('abroad"')
    start, end = sentence_spans(text)[0]
    assert [c.n for c in sentence_citations(text, [_cite(6, marker)], start, end)] == [6]


def test_sentence_outside_quotes_takes_no_later_marker() -> None:
    text = 'Exports rose. Then "a quote follows"'
    marker = len(text)
    start, end = sentence_spans(text)[0]
    assert sentence_citations(text, [_cite(9, marker)], start, end) == []


def test_best_highlight_is_a_whole_sentence() -> None:
    text = "First sentence here. Second one answers. Third."
    spans = sentence_spans(text)
    highlight = best_highlight(text, spans, [0.1, 0.9, 0.2])
    assert highlight is not None
    assert highlight.text == "Second one answers."
    assert text[highlight.start : highlight.end] == highlight.text
