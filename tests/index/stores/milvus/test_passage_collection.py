"""Passage rows as Milvus inserts them, on the corpus's real passages (no server needed)."""

from __future__ import annotations

from pathlib import Path

from index.stores.factory import open_reader
from index.stores.milvus.passage_collection import (
    PassageRow,
    batches,
    passage_record,
    record_bytes,
)
from index.text.tokenize import tokenize


def _records(index: Path) -> list[dict[str, object]]:
    with open_reader(index) as store:
        chunks = [c for d in store.documents() for c in store.chunks_of(d.meta.doc_id)]
        vectors = store.chunk_vectors([c.chunk_id for c in chunks])
        seconds = store.chunk_vectors([c.chunk_id for c in chunks], second=True)
    return [
        passage_record(
            PassageRow(i, c.chunk_id, c.doc_id, " ".join(tokenize(c.text)), v, s, "", ())
        )
        for i, (c, v, s) in enumerate(zip(chunks, vectors, seconds, strict=True))
    ]


def test_insert_batches_keep_every_row_in_order_and_fill_up_to_the_byte_budget(
    hash_corpus_index: Path,
) -> None:
    records = _records(hash_corpus_index)
    sizes = [record_bytes(r) for r in records]
    dimension = len(records[0]["dense"])  # type: ignore[arg-type]
    assert all(size > 2 * 4 * dimension for size in sizes)  # two vectors of 4-byte floats
    budget = 8 * max(sizes)
    found = list(batches(records, budget))
    assert [r for batch in found for r in batch] == records
    assert len(found) > 1
    for batch, following in zip(found, found[1:], strict=False):
        used = sum(record_bytes(r) for r in batch)
        assert used <= budget  # within the budget...
        assert used + record_bytes(following[0]) > budget  # ...and cut only when the next is over
    # A row larger than the budget goes alone.
    alone = list(batches(records[:3], sizes[1] - 1))
    assert [len(b) for b in alone] == [1, 1, 1]
