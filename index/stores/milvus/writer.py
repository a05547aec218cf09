"""``MilvusWriter``: an update staged as a new generation, published by one PostgreSQL commit.

Life of an update:

1. ``open``: take the index's writer lock (a PG advisory lock: it dies with the process, so a
   killed writer never blocks the next), discard generations that crashed writers left staged,
   then add a ``staged`` generation whose ``members`` are the base generation's.
2. ``add_document`` / ``remove_document``: each one PG transaction on the staged generation's
   rows (new immutable document versions; members pointed at them or removed), its statements
   sent in one round trip, its commit not waiting for the disk (``publish``'s does).
3. ``commit``: the generation's Milvus collection built from PG's rows (inserted in small
   batches, flushed, indexed, loaded, BM25 probed), and the vocabularies of the passages' terms
   and of their notes, counted from the same rows on the way.
4. ``publish``, ordered so that a crash at any point leaves readers on the previous generation:
   the collection is complete and loaded *before* the one PG transaction that moves ``current``
   (the only thing readers look at); the Milvus alias, for tools that read Milvus directly, is
   moved *after* it (a crash in between leaves the alias one generation behind until the next
   publish). Generations older than the previous one are then retired (collection dropped,
   rows deleted); the previous one stays for readers opened before the swap.
"""

from __future__ import annotations

import datetime
import logging
import secrets
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from typing import Any

import numpy as np
from pymilvus import MilvusClient

from index.models.passage_vectors import text_hash
from index.records import Chunk, ChunkSentences, Mention
from index.stores.base import (
    ClosesOnExit,
    DocumentInfo,
    FileFingerprint,
    IndexLocked,
    IndexMismatch,
    ModelInfo,
    PreparedDocument,
    WordsFirstUnsupported,
    checked_second_vectors,
    checked_vectors,
    second_model_of,
)
from index.stores.milvus import catalog, passage_collection, pg_rows
from index.stores.milvus.reader import model_from
from index.stores.options import StoreOptions
from index.text.entities import mention_filter_keys
from index.text.note_terms import passage_note_terms
from index.text.tokenize import tokenize

log = logging.getLogger(__name__)

KEEP_PUBLISHED = 2  # the current generation and the one before it, for readers opened earlier


class MilvusWriter(ClosesOnExit):
    """An update of a Milvus + PostgreSQL index (``index.stores.base.StoreWriter``)."""

    def __init__(
        self,
        milvus: MilvusClient,
        pg: Any,
        schema: str,
        index_name: str,
        generation: str,
        model: ModelInfo,
        options: StoreOptions,
    ) -> None:
        self._milvus = milvus
        self._pg = pg
        self._schema = schema
        self._index_name = index_name
        self._generation = generation
        self._collection = passage_collection.collection_name(index_name, generation)
        self._model = model
        self._options = options
        self._dirty = True
        self._published = False
        self._closed = False

    @classmethod
    def open(
        cls,
        milvus_uri: str,
        postgres_url: str,
        index_name: str,
        *,
        model: ModelInfo,
        options: StoreOptions | None,
        fresh: bool,
    ) -> MilvusWriter:
        pg = catalog.connect(postgres_url)
        try:
            schema = catalog.schema_name(index_name)
            catalog.ensure_schema(pg, schema)
            if not catalog.try_writer_lock(pg, schema):
                raise IndexLocked(f"another process is writing index {index_name!r}")
            milvus = passage_collection.connect(milvus_uri)
            _discard_abandoned(pg, milvus, schema)
            base = catalog.current_generation(pg, schema)
            if base is not None and not fresh:
                recorded = model_from(base["model"])
                if recorded != model:
                    raise IndexMismatch(
                        f"index {index_name!r} holds vectors of {_models(recorded)}, not of "
                        f"{_models(model)}; rebuild it with `citesearch index --rebuild <corpus>`"
                    )
                if options is None:
                    options = StoreOptions.from_json(base["options"])
            else:
                base = None
            options = options or StoreOptions()
            generation = datetime.datetime.now(datetime.UTC).strftime("g%Y%m%dt%H%M%S")
            generation += f"_{secrets.token_hex(3)}"
            with pg.transaction():
                pg.execute(
                    f"INSERT INTO {schema}.generations (name, collection, base, model, options, "
                    f"state) VALUES (%s, %s, %s, %s, %s, 'staged')",
                    (
                        generation,
                        passage_collection.collection_name(index_name, generation),
                        base["name"] if base else None,
                        _jsonb(asdict(model)),
                        _jsonb(options.to_json()),
                    ),
                )
                if base is not None:
                    pg.execute(
                        f"INSERT INTO {schema}.members SELECT %s, doc_id, version "
                        f"FROM {schema}.members WHERE generation = %s",
                        (generation, base["name"]),
                    )
        except BaseException:
            pg.close()
            raise
        return cls(milvus, pg, schema, index_name, generation, model, options)

    # ---- StoreWriter ----------------------------------------------------------------------

    @property
    def model(self) -> ModelInfo:
        return self._model

    @property
    def generation(self) -> str:
        return self._generation

    @property
    def chunk_count(self) -> int:
        row = self._pg.execute(
            self._sql(
                "SELECT COALESCE(SUM(d.n_chunks), 0) AS n FROM {s}.members m "
                "JOIN {s}.documents d ON d.version = m.version WHERE m.generation = %s"
            ),
            (self._generation,),
        ).fetchone()
        return int(row["n"])

    def documents(self) -> list[DocumentInfo]:
        found = self._pg.execute(
            self._sql(
                "SELECT d.meta, d.content_hash, d.pages, d.warnings, d.n_chunks, d.n_footnotes, "
                "d.n_notes_found FROM {s}.members m JOIN {s}.documents d ON d.version = m.version "
                "WHERE m.generation = %s ORDER BY m.doc_id"
            ),
            (self._generation,),
        ).fetchall()
        return [pg_rows.info_from(r) for r in found]

    def sources(self) -> dict[str, FileFingerprint]:
        found = self._pg.execute(
            self._sql(
                "SELECT m.doc_id, d.source FROM {s}.members m JOIN {s}.documents d "
                "ON d.version = m.version WHERE m.generation = %s AND d.source IS NOT NULL"
            ),
            (self._generation,),
        ).fetchall()
        return {r["doc_id"]: pg_rows.source_from(r["source"]) for r in found if r["source"]}  # type: ignore[misc]

    def add_document(self, prepared: PreparedDocument) -> None:
        self._check_writable()
        doc, chunks, sentences = prepared.doc, prepared.chunks, prepared.sentences
        doc_id = doc.meta.doc_id
        vectors = checked_vectors(doc_id, prepared.vectors, len(chunks), self._model)
        seconds = checked_second_vectors(doc_id, prepared.second_vectors, len(chunks), self._model)
        for chunk in chunks:
            if chunk.doc_id != doc_id:
                raise ValueError(f"chunk {chunk.chunk_id} belongs to {chunk.doc_id}, not {doc_id}")
        if sentences is not None and len(sentences) != len(chunks):
            raise ValueError(f"{doc_id}: {len(sentences)} sentence sets for {len(chunks)} chunks")
        chunk_rows = [
            (
                *pg_rows.chunk_values(c, tokenize(c.text), v, sentences[i] if sentences else None),
                np.asarray(seconds[i], dtype="<f4").tobytes() if seconds is not None else None,
                " ".join(passage_note_terms(c.citations)),
            )
            for i, (c, v) in enumerate(zip(chunks, vectors, strict=True))
        ]
        values = pg_rows.document_values(doc, prepared.source, len(chunks))
        columns = ", ".join(values)
        # The version PG gives the document, for its chunks and its member row: the same
        # transaction's ``currval`` rather than a RETURNING that would cost a round trip.
        version = self._sql("currval(pg_get_serial_sequence('{s}.documents', 'version'))")
        with self._staged_transaction(), self._pg.cursor() as cur:
            cur.execute(
                self._sql(
                    f"INSERT INTO {{s}}.documents ({columns}) VALUES "
                    f"({', '.join(['%s'] * len(values))})"
                ),
                tuple(values.values()),
            )
            cur.executemany(
                self._sql(
                    "INSERT INTO {s}.chunks (version, ordinal, chunk_id, record, terms, "
                    "vector, sentence_layout, sentence_vectors, second_vector, note_terms) "
                    f"VALUES ({version}, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
                ),
                chunk_rows,
            )
            cur.execute(
                self._sql(
                    f"INSERT INTO {{s}}.members VALUES (%s, %s, {version}) "
                    "ON CONFLICT (generation, doc_id) DO UPDATE SET version = EXCLUDED.version"
                ),
                (self._generation, doc_id),
            )
            hashes = [text_hash(c.text) for c in chunks]
            self._put(hashes, vectors, self._model)
            if seconds is not None and self._model.second is not None:
                self._put(hashes, seconds, self._model.second)
        self._dirty = True

    # A Milvus row is a passage with its vectors, written by ``commit`` into a new collection:
    # a passage without them has no row to hold its place, so documents go in one step.
    words_first = False

    def add_meaning(
        self,
        chunks: Sequence[Chunk],
        vectors: np.ndarray,
        sentences: Sequence[ChunkSentences],
        second_vectors: np.ndarray | None = None,
    ) -> list[str]:
        """Refused: the Milvus backend stores a passage with its vectors, in one step."""
        raise WordsFirstUnsupported(
            "the Milvus + PostgreSQL backend stores a passage with its vectors, in one step: "
            "no passage there waits for its vectors"
        )

    def remove_document(self, doc_id: str) -> None:
        self._check_writable()
        with self._staged_transaction():
            self._pg.execute(
                self._sql("DELETE FROM {s}.members WHERE generation = %s AND doc_id = %s"),
                (self._generation, doc_id),
            )
        self._dirty = True

    def get_cached_embeddings(
        self, text_hashes: Sequence[str], *, second: bool = False
    ) -> dict[str, np.ndarray]:
        model = second_model_of(self._model, second)
        found = self._pg.execute(
            self._sql(
                "SELECT text_hash, vector FROM {s}.embeddings WHERE weights_hash = %s "
                "AND text_hash = ANY(%s)"
            ),
            (model.weights_hash, list(dict.fromkeys(text_hashes))),
        ).fetchall()
        return {r["text_hash"]: np.frombuffer(r["vector"], dtype="<f4").copy() for r in found}

    def put_embeddings(
        self, text_hashes: Sequence[str], vectors: np.ndarray, *, second: bool = False
    ) -> None:
        self._check_writable()
        model = second_model_of(self._model, second)
        vectors = np.asarray(vectors, dtype=np.float32)
        if vectors.shape != (len(text_hashes), model.dimension):
            raise ValueError(f"expected {len(text_hashes)} vectors of {model.dimension}")
        with self._staged_transaction():
            self._put(list(text_hashes), vectors, model)

    def commit(self) -> None:
        self._check_writable()
        count = self.chunk_count
        second = self._model.second
        passage_collection.create_collection(
            self._milvus,
            self._collection,
            self._model.dimension,
            self._options,
            count,
            second.dimension if second is not None else None,
        )
        # Both vocabularies are counted from the rows read for Milvus: one pass over the chunks.
        term_counts: Counter[str] = Counter()
        note_counts: Counter[str] = Counter()
        began = time.perf_counter()
        inserted = passage_collection.insert(
            self._milvus, self._collection, self._passage_rows(term_counts, note_counts)
        )
        seconds = {"insert": time.perf_counter() - began}
        kind = passage_collection.build_indexes(
            self._milvus, self._collection, self._options, inserted, with_second=second is not None
        )
        seconds["index"] = time.perf_counter() - began - seconds["insert"]
        # Where a large build's time goes, for operators (and bench.milvus_large) to read.
        log.info(
            "%d passages into Milvus in %.1f s; %s index built and loaded in %.1f s",
            inserted,
            seconds["insert"],
            kind,
            seconds["index"],
            extra={"milvus_seconds": seconds, "vector_index": kind},
        )
        self._write_vocabulary("vocabulary", term_counts)
        self._write_vocabulary("note_vocabulary", note_counts)
        if inserted:  # BM25 over no passage at all is NaN in Milvus: nothing to probe
            passage_collection.probe_bm25(self._milvus, self._collection)
        self._pg.execute(
            self._sql(
                "UPDATE {s}.generations SET state = 'committed', chunk_count = %s WHERE name = %s"
            ),
            (inserted, self._generation),
        )
        self._dirty = False

    def publish(self) -> str:
        self._check_writable()
        if self._dirty:
            self.commit()
        with self._pg.transaction():
            self._pg.execute(self._sql("LOCK TABLE {s}.current IN EXCLUSIVE MODE"))
            self._pg.execute(
                self._sql(
                    "INSERT INTO {s}.current (one, generation) VALUES (true, %s) "
                    "ON CONFLICT (one) DO UPDATE SET generation = EXCLUDED.generation"
                ),
                (self._generation,),
            )
            self._pg.execute(
                self._sql(
                    "UPDATE {s}.generations SET state = 'published', published = now() "
                    "WHERE name = %s"
                ),
                (self._generation,),
            )
        self._published = True
        alias = passage_collection.alias_name(self._index_name)
        if not passage_collection.point_alias(self._milvus, alias, self._collection):
            log.info("this Milvus has no aliases; readers follow PostgreSQL's catalog")
        self._retire_old()
        return self._generation

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            if not self._published:
                _discard(self._pg, self._milvus, self._schema, self._generation, self._collection)
        finally:
            self._pg.close()  # releases the writer lock
            self._milvus.close()

    # ---- internals ------------------------------------------------------------------------

    def _sql(self, sql: str) -> str:
        return sql.replace("{s}", self._schema)

    @contextmanager
    def _staged_transaction(self) -> Iterator[None]:
        """One transaction on the staged generation's rows, its statements sent together (a
        pipeline: one round trip, errors raised when it ends), committed without waiting for
        the disk: no reader sees these rows before ``publish``, whose own commit waits until
        the log is on disk up to it, every staged row before it included (a server crash
        before that loses only an update nobody published, as a crashed writer does)."""
        with self._pg.pipeline(), self._pg.transaction():
            self._pg.execute("SET LOCAL synchronous_commit = off")
            yield

    def _check_writable(self) -> None:
        if self._closed or self._published:
            raise RuntimeError(f"the update {self._generation} is closed or already published")

    def _put(self, hashes: list[str], vectors: np.ndarray, model: ModelInfo) -> None:
        with self._pg.cursor() as cur:
            cur.executemany(
                self._sql("INSERT INTO {s}.embeddings VALUES (%s, %s, %s) ON CONFLICT DO NOTHING"),
                [
                    (model.weights_hash, h, np.asarray(v, dtype="<f4").tobytes())
                    for h, v in zip(hashes, vectors, strict=True)
                ],
            )

    def _write_vocabulary(self, table: str, counts: Counter[str]) -> None:
        """How many passages hold each term (``vocabulary``: their BM25 terms;
        ``note_vocabulary``: their notes' terms), for this generation."""
        with self._pg.transaction():
            self._pg.execute("SET LOCAL synchronous_commit = off")  # see _staged_transaction
            self._pg.execute(
                self._sql(f"DELETE FROM {{s}}.{table} WHERE generation = %s"), (self._generation,)
            )
            with (
                self._pg.cursor() as cur,
                cur.copy(
                    self._sql(f"COPY {{s}}.{table} (generation, term, df) FROM STDIN")
                ) as copy,
            ):
                for term, df in counts.items():
                    copy.write_row((self._generation, term, df))

    def _passage_rows(
        self, term_counts: Counter[str], note_counts: Counter[str]
    ) -> Iterator[passage_collection.PassageRow]:
        """The generation's passages from PG, in (doc id, ordinal) order, streamed; each
        passage's distinct BM25 terms are counted into ``term_counts`` on the way, and its
        distinct note terms into ``note_counts``."""
        with self._pg.transaction(), self._pg.cursor(name="passages") as cur:
            cur.itersize = 2000
            cur.execute(
                self._sql(
                    "SELECT m.doc_id, c.chunk_id, c.terms, c.vector, c.second_vector, "
                    "c.note_terms, CASE WHEN c.note_terms IS NULL THEN c.record END AS record, "
                    "c.record -> 'entities' AS entities "
                    "FROM {s}.members m "
                    "JOIN {s}.chunks c ON c.version = m.version WHERE m.generation = %s "
                    "ORDER BY m.doc_id, c.ordinal"
                ),
                (self._generation,),
            )
            for row, r in enumerate(cur):
                if self._model.second is not None and r["second_vector"] is None:
                    raise IndexMismatch(
                        f"chunk {r['chunk_id']} has no vector of {self._model.second.name}; "
                        "rebuild the index with `citesearch index --rebuild <corpus>`"
                    )
                second = r["second_vector"] if self._model.second is not None else None
                note_terms = r["note_terms"]
                if note_terms is None:  # a row stored before notes were searched
                    chunk = pg_rows.chunk_from(r["chunk_id"], r["doc_id"], 0, r["record"])
                    note_terms = " ".join(passage_note_terms(chunk.citations))
                term_counts.update(set(r["terms"].split(" ")) - {""})
                note_counts.update(set(note_terms.split()))
                yield passage_collection.PassageRow(
                    row,
                    r["chunk_id"],
                    r["doc_id"],
                    r["terms"],
                    np.frombuffer(r["vector"], "<f4"),
                    np.frombuffer(second, "<f4") if second is not None else None,
                    note_terms,
                    tuple(_entity_keys(r["entities"])),
                )

    def _retire_old(self) -> None:
        old = self._pg.execute(
            self._sql(
                "SELECT name, collection FROM {s}.generations WHERE state = 'published' "
                "ORDER BY published DESC OFFSET %s"
            ),
            (KEEP_PUBLISHED,),
        ).fetchall()
        for row in old:
            self._pg.execute(
                self._sql("UPDATE {s}.generations SET state = 'retired' WHERE name = %s"),
                (row["name"],),
            )
            _discard(self._pg, self._milvus, self._schema, row["name"], row["collection"])


def _models(model: ModelInfo) -> str:
    """``name (weights)``, and the second model's, for messages."""
    first = f"{model.name} ({model.weights_hash[:12]})"
    return first if model.second is None else f"{first} with {_models(model.second)}"


def _jsonb(value: Any) -> Any:
    from psycopg.types.json import Jsonb

    return Jsonb(value)


def _discard(pg: Any, milvus: MilvusClient, schema: str, generation: str, collection: str) -> None:
    """Drop a generation nobody reads: its collection, its rows, documents no one else uses."""
    passage_collection.drop_collection(milvus, collection)
    with pg.transaction():
        pg.execute(f"DELETE FROM {schema}.generations WHERE name = %s", (generation,))
        pg.execute(
            f"DELETE FROM {schema}.documents d WHERE NOT EXISTS "
            f"(SELECT 1 FROM {schema}.members m WHERE m.version = d.version)"
        )


def _discard_abandoned(pg: Any, milvus: MilvusClient, schema: str) -> None:
    """Generations a killed writer left staged or committed (we hold the writer lock: no writer
    is working on them)."""
    for row in pg.execute(
        f"SELECT name, collection FROM {schema}.generations WHERE state IN ('staged', 'committed')"
    ).fetchall():
        log.info("discarding generation %s left by an interrupted writer", row["name"])
        _discard(pg, milvus, schema, row["name"], row["collection"])


def _entity_keys(entities: list[dict[str, object]] | None) -> list[str]:
    """The filter keys of a chunk's stored entities (none for a row stored before them)."""
    return mention_filter_keys([Mention(**m) for m in entities or []])  # type: ignore[arg-type]
