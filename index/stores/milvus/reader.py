"""``MilvusReader``: one published generation, read from Milvus (searches) and PostgreSQL (records).

The generation is read from PostgreSQL's ``current`` row once, at open; every query after that
names it (the collection ``generations.collection``, the rows of ``members`` for it), so a
publish meanwhile changes nothing for this reader.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np
from pymilvus import MilvusClient

from index.records import Chunk, ChunkSentences, Footnote, Mention, ParsedDocument
from index.stores.base import (
    ClosesOnExit,
    DocumentInfo,
    IndexMismatch,
    IndexMissing,
    ModelInfo,
    ScoredId,
    query_vector,
    second_model_of,
)
from index.stores.milvus import catalog, passage_collection, pg_rows
from index.stores.options import StoreOptions
from index.text.tokenize import tokenize

REBUILD_HINT = "build it with `citesearch index --milvus URI --postgres URL <corpus>`"

_CHUNK_SELECT = """SELECT c.chunk_id, m.doc_id, c.ordinal, c.record
FROM {s}.members m JOIN {s}.chunks c ON c.version = m.version
WHERE m.generation = %s"""
_ENTITY_SELECT = """SELECT c.chunk_id, c.record -> 'entities' AS entities
FROM {s}.members m JOIN {s}.chunks c ON c.version = m.version
WHERE m.generation = %s"""


def model_from(value: dict[str, Any]) -> ModelInfo:
    return ModelInfo.from_json(value)


class MilvusReader(ClosesOnExit):
    """Read-only access to the generation current at open (``index.stores.base.StoreReader``)."""

    def __init__(
        self, milvus: MilvusClient, pg: Any, schema: str, generation: dict[str, Any]
    ) -> None:
        self._milvus = milvus
        self._pg = pg
        self._schema = schema
        self._row = generation
        self._model = model_from(generation["model"])
        self._options = StoreOptions.from_json(generation["options"])
        self._lock = threading.Lock()  # one PG connection, shared by threads
        self._vocabulary: dict[str, int] | None = None
        self._note_vocabulary: dict[str, int] | None = None

    @classmethod
    def open(
        cls, milvus_uri: str, postgres_url: str, index_name: str, model: ModelInfo | None
    ) -> MilvusReader:
        pg = catalog.connect(postgres_url)
        try:
            schema = catalog.schema_name(index_name)
            found = (
                catalog.current_generation(pg, schema)
                if catalog.schema_exists(pg, schema)
                else None
            )
            if found is None:
                raise IndexMissing(f"no index {index_name!r} in this PostgreSQL; {REBUILD_HINT}")
            recorded = model_from(found["model"])
            # The first model only: the searcher checks the second against the one it loaded.
            if model is not None and replace(recorded, second=None) != replace(model, second=None):
                raise IndexMismatch(
                    f"index {index_name!r} holds vectors of {recorded.name} "
                    f"({recorded.weights_hash[:12]}), not of {model.name}; {REBUILD_HINT}"
                )
            milvus = passage_collection.connect(milvus_uri)
            if not milvus.has_collection(found["collection"]):
                raise IndexMismatch(
                    f"generation {found['name']} has no Milvus collection {found['collection']}: "
                    f"is this the Milvus the index was built on? {REBUILD_HINT}"
                )
            if not passage_collection.holds_notes(milvus, found["collection"]):
                raise IndexMismatch(
                    f"generation {found['name']} was built before notes were searched; "
                    f"rebuild it: `citesearch index --rebuild --milvus URI --postgres URL <corpus>`"
                )
            milvus.load_collection(found["collection"])
        except BaseException:
            pg.close()
            raise
        return cls(milvus, pg, schema, found)

    # ---- StoreReader ----------------------------------------------------------------------

    @property
    def model(self) -> ModelInfo:
        return self._model

    @property
    def generation(self) -> str:
        return str(self._row["name"])

    @property
    def chunk_count(self) -> int:
        return int(self._row["chunk_count"])

    def bm25_search(
        self,
        query: str | Sequence[str],
        k: int,
        doc_ids: Sequence[str] | None = None,
        *,
        cites: Sequence[str] | None = None,
    ) -> list[ScoredId]:
        # Milvus's BM25 over an empty collection divides by zero.
        if self.chunk_count == 0:
            return []
        return self._bm25(query, k, doc_ids, cites, passage_collection.PASSAGE_SPARSE)

    def note_search(
        self,
        query: str | Sequence[str],
        k: int,
        doc_ids: Sequence[str] | None = None,
        *,
        cites: Sequence[str] | None = None,
    ) -> list[ScoredId]:
        # BM25 over notes documents that are all empty divides by zero, as over no passage.
        if self.chunk_count == 0 or not self._notes():
            return []
        return self._bm25(query, k, doc_ids, cites, passage_collection.NOTE_SPARSE)

    def _bm25(
        self,
        query: str | Sequence[str],
        k: int,
        doc_ids: Sequence[str] | None,
        cites: Sequence[str] | None,
        field: str,
    ) -> list[ScoredId]:
        terms = tokenize(query) if isinstance(query, str) else list(query)
        return passage_collection.bm25_search(
            self._milvus,
            self._row["collection"],
            terms,
            k,
            self._options.bm25.k1,
            doc_ids,
            cites,
            field=field,
        )

    def vector_search(
        self,
        vector: np.ndarray,
        k: int,
        doc_ids: Sequence[str] | None = None,
        *,
        cites: Sequence[str] | None = None,
    ) -> list[ScoredId]:
        vector = query_vector(vector, self._model)
        return passage_collection.vector_search(
            self._milvus,
            self._row["collection"],
            vector,
            k,
            doc_ids,
            self._options.hnsw_ef_search,
            cites=cites,
        )

    def second_vector_search(
        self,
        vector: np.ndarray,
        k: int,
        doc_ids: Sequence[str] | None = None,
        *,
        cites: Sequence[str] | None = None,
    ) -> list[ScoredId]:
        second = second_model_of(self._model, True)
        vector = query_vector(vector, second)
        return passage_collection.vector_search(
            self._milvus,
            self._row["collection"],
            vector,
            k,
            doc_ids,
            self._options.hnsw_ef_search,
            field=passage_collection.SECOND_FIELD,
            cites=cites,
        )

    def without_vectors(self, chunk_ids: Sequence[str]) -> set[str]:
        """None: a Milvus row is a passage with its vectors (documents go in one step)."""
        return set()

    def chunk_vectors(self, chunk_ids: Sequence[str], *, second: bool = False) -> np.ndarray:
        model = second_model_of(self._model, second)
        field = passage_collection.SECOND_FIELD if second else "dense"
        return passage_collection.vectors_of(
            self._milvus, self._row["collection"], chunk_ids, model.dimension, field
        )

    def vocabulary(self) -> dict[str, int]:
        if self._vocabulary is None:
            found = self._query(
                "SELECT term, df FROM {s}.vocabulary WHERE generation = %s", (self.generation,)
            )
            self._vocabulary = {r["term"]: r["df"] for r in found}
        return dict(self._vocabulary)

    def term_counts(self, terms: Sequence[str]) -> dict[str, int]:
        if self._vocabulary is None:
            self.vocabulary()
        assert self._vocabulary is not None
        return {t: self._vocabulary.get(t, 0) for t in terms}

    def note_vocabulary(self) -> dict[str, int]:
        return dict(self._notes())

    def get_chunks(self, chunk_ids: Sequence[str]) -> list[Chunk]:
        found = {
            r["chunk_id"]: pg_rows.chunk_from(r["chunk_id"], r["doc_id"], r["ordinal"], r["record"])
            for r in self._query(
                _CHUNK_SELECT + " AND c.chunk_id = ANY(%s)",
                (self.generation, list(dict.fromkeys(chunk_ids))),
            )
        }
        return [found[c] for c in chunk_ids if c in found]

    def chunk_entities(self, chunk_ids: Sequence[str]) -> dict[str, list[Mention]]:
        rows = self._query(
            _ENTITY_SELECT + " AND c.chunk_id = ANY(%s)",
            (self.generation, list(dict.fromkeys(chunk_ids))),
        )
        found = {r["chunk_id"]: pg_rows.mentions_from(r["entities"]) for r in rows}
        return {chunk_id: mentions for chunk_id, mentions in found.items() if mentions}

    def chunks_of(self, doc_id: str) -> list[Chunk]:
        return [
            pg_rows.chunk_from(r["chunk_id"], r["doc_id"], r["ordinal"], r["record"])
            for r in self._query(
                _CHUNK_SELECT + " AND m.doc_id = %s ORDER BY c.ordinal", (self.generation, doc_id)
            )
        ]

    def sentences(self, chunk_ids: Sequence[str]) -> dict[str, ChunkSentences]:
        found = self._query(
            """SELECT c.chunk_id, c.sentence_layout, c.sentence_vectors
            FROM {s}.members m JOIN {s}.chunks c ON c.version = m.version
            WHERE m.generation = %s AND c.chunk_id = ANY(%s) AND c.sentence_layout IS NOT NULL""",
            (self.generation, list(dict.fromkeys(chunk_ids))),
        )
        dim = self._model.dimension
        return {
            r["chunk_id"]: pg_rows.sentences_from(r["sentence_layout"], r["sentence_vectors"], dim)
            for r in found
        }

    def documents(self) -> list[DocumentInfo]:
        return [pg_rows.info_from(r) for r in self._documents("", ())]

    def document_info(self, doc_id: str) -> DocumentInfo | None:
        found = self._documents(" AND m.doc_id = %s", (doc_id,))
        return pg_rows.info_from(found[0]) if found else None

    def document_text(self, doc_id: str) -> ParsedDocument | None:
        found = self._query(
            "SELECT d.* FROM {s}.members m JOIN {s}.documents d ON d.version = m.version "
            "WHERE m.generation = %s AND m.doc_id = %s",
            (self.generation, doc_id),
        )
        return pg_rows.document_from(found[0]) if found else None

    def footnotes(self, doc_id: str) -> list[Footnote]:
        found = self._query(
            "SELECT d.footnotes FROM {s}.members m JOIN {s}.documents d ON d.version = m.version "
            "WHERE m.generation = %s AND m.doc_id = %s",
            (self.generation, doc_id),
        )
        if not found:
            return []
        return sorted(pg_rows.footnotes_from(found[0]["footnotes"]), key=lambda n: n.n)

    def close(self) -> None:
        with self._lock:
            self._pg.close()
            self._milvus.close()

    # ---- internals ------------------------------------------------------------------------

    def _notes(self) -> dict[str, int]:
        """The note vocabulary of the generation, read once."""
        if self._note_vocabulary is None:
            found = self._query(
                "SELECT term, df FROM {s}.note_vocabulary WHERE generation = %s",
                (self.generation,),
            )
            self._note_vocabulary = {r["term"]: r["df"] for r in found}
        return self._note_vocabulary

    def _documents(self, where: str, args: tuple[Any, ...]) -> list[dict[str, Any]]:
        return self._query(
            "SELECT d.meta, d.content_hash, d.pages, d.warnings, d.n_chunks, d.n_footnotes, "
            "d.n_notes_found FROM {s}.members m JOIN {s}.documents d ON d.version = m.version "
            "WHERE m.generation = %s" + where + " ORDER BY m.doc_id",
            (self.generation, *args),
        )

    def _query(self, sql: str, args: tuple[Any, ...]) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._pg.execute(sql.replace("{s}", self._schema), args).fetchall())
