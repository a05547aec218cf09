"""Printed page labels on a search result: "p. 30" as printed, not the PDF's 36th page.

The build side stores each page's label (``index.records.Page.label``); this fills the labels of
a result's hits, their other sources, the answer and its candidates from the stored pages, one look-up per
document, kept for the life of the searcher (a rebuilt index gets a new searcher).
"""

from __future__ import annotations

import threading

from index.stores.base import StoreReader
from retrieval.hits import SearchResult


class PageLabels:
    """Page number -> printed label, per document, read once from the store."""

    def __init__(self, store: StoreReader) -> None:
        self.store = store
        self._labels: dict[str, dict[int, str]] = {}
        self._lock = threading.Lock()

    def of(self, doc_id: str, number: int) -> str:
        """The label printed on page ``number`` of ``doc_id`` (the number itself when unknown)."""
        with self._lock:
            labels = self._labels.get(doc_id)
            if labels is None:
                doc = self.store.document_text(doc_id)
                pages = doc.pages if doc is not None else []
                labels = {p.number: p.label for p in pages if p.label}
                self._labels[doc_id] = labels
        return labels.get(number) or str(number)

    def apply(self, result: SearchResult) -> SearchResult:
        """Fill every page label of ``result`` in place; returns it."""
        for hit in result.hits:
            hit.page_label_start = self.of(hit.doc_id, hit.page_start)
            hit.page_label_end = self.of(hit.doc_id, hit.page_end)
            for source in hit.also_in:
                source.page_label_start = self.of(source.doc_id, source.page_start)
                source.page_label_end = self.of(source.doc_id, source.page_end)
        if result.answer is not None:
            for quoted in (result.answer, *result.answer.candidates):
                quoted.page_label = self.of(quoted.doc_id, quoted.page)
        return result
