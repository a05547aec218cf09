"""Citations and result lists out of citesearch: plain text, Markdown, CSV and JSON.

Pure functions over the API's ``SearchResponse`` and the documents' metadata; the web page does
the same in ``static/app.js`` (same CSV columns, same citation lines), so a reporter gets one
shape from either. A quoted sentence is cited with its own notes (``retrieval.sentence_citations``
found them: the highlight's and the answer's ``citations``), never with all of its passage's,
and a note taken from a later marker says so ("source: note 48, end of paragraph").
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from api.schema import AnswerSentenceModel, CitationModel, HitModel, SearchResponse

ExportFormat = Literal["text", "json", "csv", "markdown"]
NOTE_LOST = "Note not available in the source."

CSV_COLUMNS = (
    "rank",
    "title",
    "authors",
    "published",
    "pages",
    "page_start",
    "page_end",
    "page_index_start",
    "page_index_end",
    "doc_id",
    "chunk_id",
    "score",
    "quote",
    "text",
    "footnotes",
    "urls",
    "source",
    "passage_footnotes",
    "tags",
    "starred",
    "note",
)
"""``pages``, ``page_start`` and ``page_end`` are the page numbers printed on the pages ("xii",
"17"), what a reader cites; ``page_index_start`` and ``page_index_end`` are the pages' 1-based
places in the file (the API's ``page_start``/``page_end``). ``footnotes``, ``urls`` and ``source``
belong to the quote (the passage when there is none); ``passage_footnotes`` lists every note whose
marker falls in the passage. ``tags`` are the passage's own and then its document's, joined by
``; ``; ``starred`` is ``yes`` or empty; ``note`` the passage's note (the reader's annotations)."""


@dataclass(frozen=True)
class DocInfo:
    """The bibliographic part of a document that a citation needs."""

    title: str
    authors: list[str] = field(default_factory=list)
    published: str | None = None


def pages_label(start: str | int, end: str | int) -> str:
    """``p. 30`` or ``pp. 30-31``.

    >>> pages_label(3, 4)
    'pp. 3-4'
    """
    return f"p. {start}" if str(start) == str(end) else f"pp. {start}-{end}"


def _printed(hit: HitModel) -> tuple[str, str]:
    """The labels printed on the hit's first and last pages (their indexes when unknown)."""
    return hit.page_label_start or str(hit.page_start), hit.page_label_end or str(hit.page_end)


def _hit_pages(hit: HitModel) -> str:
    return pages_label(*_printed(hit))


def _answer_pages(answer: AnswerSentenceModel) -> str:
    return f"p. {answer.page_label or answer.page}"


def mark_of(c: CitationModel) -> str:
    """A note's mark as the document prints it: its label ("*", "a") or its number."""
    return c.label or str(c.n)


def _note_line(c: CitationModel) -> str:
    note = c.note if c.note is not None else NOTE_LOST
    return " ".join([f"[{mark_of(c)}]", note, *c.urls])


def _notes_cell(citations: Sequence[CitationModel]) -> str:
    return " | ".join(
        f"[{mark_of(c)}] {c.note if c.note is not None else NOTE_LOST}" for c in citations
    )


def attribution_line(citations: Sequence[CitationModel], attribution: str | None) -> str:
    """How a quote's notes were found, in words; empty when its notes are its own markers' or
    it has none.

    >>> attribution_line([CitationModel(n=48, note=None, urls=[], offset=130)], "end of paragraph")
    'source: note 48, end of paragraph'
    """
    if not citations or attribution in (None, "in the sentence"):
        return ""
    marks = ", ".join(mark_of(c) for c in citations)
    return f"source: {'note' if len(citations) == 1 else 'notes'} {marks}, {attribution}"


def _source_line(doc: DocInfo, pages: str) -> str:
    bits = [doc.title, ", ".join(doc.authors), doc.published or "", pages]
    return ", ".join(b for b in bits if b)


@dataclass(frozen=True)
class Quoted:
    """One thing to cite: a sentence, where it is, the footnotes that source it and how they
    were found (``HighlightModel.attribution``)."""

    sentence: str
    doc: DocInfo
    pages: str
    citations: Sequence[CitationModel]
    attribution: str | None = None

    @property
    def credit(self) -> str:
        """``Source: note 48, end of paragraph`` (capitalised ``attribution_line``), or empty."""
        line = attribution_line(self.citations, self.attribution)
        return line[:1].upper() + line[1:]


def quoted_hit(hit: HitModel, doc: DocInfo | None = None) -> Quoted:
    """A hit cited by its answering sentence and that sentence's notes (the passage and all
    its notes when there is none)."""
    doc = doc or DocInfo(hit.title)
    if hit.highlight is None:
        return Quoted(hit.text.strip(), doc, _hit_pages(hit), hit.citations)
    h = hit.highlight
    return Quoted(h.text.strip(), doc, _hit_pages(hit), h.citations, h.attribution)


def quoted_answer(answer: AnswerSentenceModel, doc: DocInfo | None = None) -> Quoted:
    return Quoted(
        answer.text.strip(),
        doc or DocInfo(answer.title),
        _answer_pages(answer),
        answer.citations,
        answer.attribution,
    )


def citation_text(q: Quoted) -> str:
    """Plain text: the quoted sentence, its source line, how its notes were found when not
    from its own markers, one line per footnote with its URLs."""
    lines = [f"“{q.sentence}”", f"— {_source_line(q.doc, q.pages)}"]
    if q.credit:
        lines.append(q.credit)
    lines += [_note_line(c) for c in q.citations]
    return "\n".join(lines)


def citation_markdown(q: Quoted) -> str:
    """Markdown: a block quote, the source in italics, footnotes as a list with autolinks."""
    source = _source_line(DocInfo(f"*{q.doc.title}*", q.doc.authors, q.doc.published), q.pages)
    lines = [f"> {q.sentence}", "", f"— {source}"]
    if q.citations:
        lines.append("")
        if q.credit:
            lines += [f"*{q.credit}.*", ""]
        for c in q.citations:
            note = c.note if c.note is not None else f"*{NOTE_LOST}*"
            lines.append(" ".join([f"- [{mark_of(c)}]", note, *(f"<{u}>" for u in c.urls)]))
    return "\n".join(lines)


def _doc(docs: Mapping[str, DocInfo], doc_id: str, title: str) -> DocInfo:
    return docs.get(doc_id) or DocInfo(title)


def results_csv(response: SearchResponse, docs: Mapping[str, DocInfo]) -> str:
    """One row per hit, ``CSV_COLUMNS``; footnotes as ``[n] note`` joined by `` | ``; the
    footnotes of the quote (the highlighted sentence), then all of the passage's."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for hit in response.results:
        doc = _doc(docs, hit.doc_id, hit.title)
        quoted = quoted_hit(hit, doc)
        writer.writerow(
            [
                hit.rank,
                hit.title,
                "; ".join(doc.authors),
                doc.published or "",
                _hit_pages(hit),
                *_printed(hit),
                hit.page_start,
                hit.page_end,
                hit.doc_id,
                hit.chunk_id,
                f"{hit.score:.6g}",
                hit.highlight.text if hit.highlight else "",
                hit.text,
                _notes_cell(quoted.citations),
                " ".join(u for c in quoted.citations for u in c.urls),
                attribution_line(quoted.citations, quoted.attribution),
                _notes_cell(hit.citations),
                *annotation_cells(hit),
            ]
        )
    return out.getvalue()


def annotation_cells(hit: HitModel) -> list[str]:
    """The ``tags``, ``starred`` and ``note`` cells of a hit (empty without annotations)."""
    a = hit.annotations
    if a is None:
        return ["", "", ""]
    tags = list(dict.fromkeys([*a.tags, *a.document_tags]))
    return ["; ".join(tags), "yes" if a.starred else "", a.note or ""]


def annotation_markdown(hit: HitModel) -> list[str]:
    """The reader's tags, star and note under a hit's citation, one line each (none if unset).

    >>> from api.annotation_view import AnnotationModel
    >>> hit = HitModel.model_construct(annotations=AnnotationModel(tags=["to check"], starred=True))
    >>> annotation_markdown(hit)
    ['', '**Tags:** to check', '', '**Starred**']
    """
    tags, starred, note = annotation_cells(hit)
    lines = []
    if tags:
        lines += ["", f"**Tags:** {tags}"]
    if starred:
        lines += ["", "**Starred**"]
    if note:
        lines += ["", f"**Note:** {note}"]
    return lines


CHECK_CANDIDATES = (
    "No single sentence is sure to answer: check them against their sources before quoting one."
)


def results_markdown(response: SearchResponse, docs: Mapping[str, DocInfo]) -> str:
    """The answer and each hit as a citation block under a numbered heading."""
    parts = [f"# {response.query}", ""]
    a = response.answer
    if a is not None and a.state == "candidates" and a.candidates:
        parts += ["## Possible answers", "", CHECK_CANDIDATES, ""]
        for n, c in enumerate(a.candidates, start=1):
            quote = citation_markdown(quoted_answer(c, _doc(docs, c.doc_id, c.title)))
            parts += [f"### {n}.", "", quote, ""]
    elif a is not None:
        parts += [
            "## Answer",
            "",
            citation_markdown(quoted_answer(a, _doc(docs, a.doc_id, a.title))),
        ]
        parts.append("")
    for hit in response.results:
        parts += [f"## {hit.rank}. {hit.title}, {_hit_pages(hit)}", ""]
        parts.append(citation_markdown(quoted_hit(hit, _doc(docs, hit.doc_id, hit.title))))
        parts += annotation_markdown(hit)
        parts.append("")
    return "\n".join(parts)


def render(response: SearchResponse, fmt: ExportFormat, docs: Mapping[str, DocInfo]) -> str:
    """``json``, ``csv`` or ``markdown`` (``text`` is the CLI's terminal listing)."""
    if fmt == "json":
        return response.model_dump_json(indent=2) + "\n"
    if fmt == "csv":
        return results_csv(response, docs)
    if fmt == "markdown":
        return results_markdown(response, docs)
    raise ValueError(f"no export format {fmt!r}")
