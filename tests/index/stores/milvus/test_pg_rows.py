"""Records to PostgreSQL values and back, on the corpus's real documents (no server needed)."""

from __future__ import annotations

import json
from dataclasses import asdict, replace
from pathlib import Path

from index.stores.factory import open_reader
from index.stores.milvus import pg_rows
from index.text.tokenize import tokenize


def test_records_are_the_json_asdict_gives_and_come_back_whole(hash_corpus_index: Path) -> None:
    with open_reader(hash_corpus_index) as store:
        infos = store.documents()
        assert infos
        chunks_seen = entities_seen = 0
        for info in infos:
            doc = store.document_text(info.meta.doc_id)
            assert doc is not None
            chunks = store.chunks_of(info.meta.doc_id)
            values = pg_rows.document_values(doc, None, len(chunks))
            assert values["meta"] == json.dumps(asdict(doc.meta))
            assert values["footnotes"] == json.dumps([asdict(n) for n in doc.footnotes])
            assert values["marker_positions"] == json.dumps(
                [[pos, asdict(m)] for pos, m in doc.marker_positions]
            )
            assert pg_rows.document_from(values) == doc  # offsets included
            entities = store.chunk_entities([c.chunk_id for c in chunks])
            for chunk in chunks:
                chunk = replace(chunk, entities=entities.get(chunk.chunk_id, []))
                vector = store.chunk_vectors([chunk.chunk_id])[0]
                record = pg_rows.chunk_values(chunk, tokenize(chunk.text), vector, None)[2]
                expected = {
                    k: v
                    for k, v in asdict(chunk).items()
                    if k not in ("chunk_id", "doc_id", "ordinal")
                }
                assert record == json.dumps(expected)
                back = pg_rows.chunk_from(chunk.chunk_id, chunk.doc_id, chunk.ordinal, record)
                assert back == chunk
                assert pg_rows.mentions_from(json.loads(record)["entities"]) == chunk.entities
                chunks_seen += 1
                entities_seen += len(chunk.entities)
    assert chunks_seen == store.chunk_count and entities_seen > 0
