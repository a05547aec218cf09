"""The Milvus side of the distributed backend: one collection of passages per generation.

A passage row holds its search row (the primary key, fixing tie order), chunk id, doc id (an
INVERTED index, for document filters), its BM25 terms and its dense vector (inner product; FLAT,
exact, unless the options ask for HNSW), and the second model's vector in a field of its own
(``second``, indexed the same way) when the index has one. Its notes document
(``index.text.note_terms``) is there twice: as ``note_terms``, searched by a BM25 function of its
own, and as the array ``cites`` of its distinct terms, which ``cites:`` filters test with
``ARRAY_CONTAINS_ALL`` (an INVERTED index on it where the server has one; milvus-lite has none and
filters by scanning). BM25 runs inside Milvus through a BM25 *function* over
``terms``: the text Milvus analyses is citesearch's own ``index.text.tokenize`` terms joined by spaces
and split again by the whitespace tokenizer, so both backends count the same terms, document
lengths and document frequencies. Milvus's BM25 is ``idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b
* dl / avgdl))`` with Lucene's idf; bm25s's "lucene" variant drops the constant ``k1 + 1``, so scores
are divided by it here and both backends report the same numbers.

Milvus older than 2.5 ignores BM25 functions silently, so ``check_server`` refuses it.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import grpc
import numpy as np
from pymilvus import DataType, Function, FunctionType, MilvusClient, MilvusException

from index.stores.base import ScoredId
from index.stores.milvus.catalog import safe_name
from index.stores.options import StoreOptions

TERMS_MAX_BYTES = 65_535  # Milvus's VARCHAR limit; a chunk of 300 word pieces stays far below it
TOP_K_MAX = 16_384  # Milvus refuses a larger limit
MIN_VERSION = (2, 5)
SECOND_FIELD = "second"  # the second model's vectors (``ModelInfo.second``)
PASSAGE_SPARSE = "sparse"  # BM25 of the passage's terms
NOTE_SPARSE = "note_sparse"  # BM25 of its notes document
CITES_MAX = 4096  # Milvus's largest array
CITE_MAX_BYTES = 512
# Rows per insert message, in bytes: milvus-lite 2.5 stores a row in less time in small
# messages (20,000 passages of e5 and MiniLM vectors: 100 to 250 rows, 0.4 to 1 MB, three times
# the rows per second of 1,000 rows and twenty of 6,000), far below gRPC's 64 MB limit.
INSERT_BATCH_BYTES = 512 * 1024

log = logging.getLogger(__name__)


class MilvusTooOld(RuntimeError):
    """The Milvus server cannot run this backend (BM25 functions need Milvus >= 2.5)."""


@dataclass(frozen=True)
class PassageRow:
    row: int
    chunk_id: str
    doc_id: str
    terms: str
    vector: np.ndarray
    second: np.ndarray | None = None
    note_terms: str = ""  # its notes document's terms, joined by spaces
    # Its entity filter keys (``index.text.entities.mention_filter_keys``), in ``cites`` too.
    entity_keys: tuple[str, ...] = ()


def cite_keys(note_terms: str) -> list[str]:
    """The distinct terms of a notes document, as the ``cites`` array holds them (terms too long
    for an element are left out; past ``CITES_MAX`` terms the rest are, with a warning)."""
    keys = [t for t in dict.fromkeys(note_terms.split()) if len(t.encode()) <= CITE_MAX_BYTES]
    if len(keys) > CITES_MAX:
        log.warning(
            "a passage's notes hold %d distinct terms; cites: filters see %d", len(keys), CITES_MAX
        )
    return keys[:CITES_MAX]


def _fitting(terms: str, limit: int = TERMS_MAX_BYTES) -> str:
    """Space-joined terms cut at the last whole term within ``limit`` bytes."""
    data = terms.encode()
    if len(data) <= limit:
        return terms
    return data[:limit].decode(errors="ignore").rsplit(" ", 1)[0]


def connect(uri: str) -> MilvusClient:
    """A client of the Milvus at ``uri`` (``http://host:19530``), checked to be 2.5 or newer."""
    try:
        # An alias of its own: pymilvus shares one connection per URI by default, and one
        # reader's close() would cut every other reader and writer of the process off.
        client = MilvusClient(uri=uri, timeout=30, alias=f"citesearch-{secrets.token_hex(8)}")
    except MilvusException as error:
        raise ConnectionError(f"cannot reach Milvus at {uri}: {error}") from error
    check_server(client, uri)
    return client


def _version(text: str) -> tuple[int, int] | None:
    parts = text.lstrip("vV").split(".")
    try:
        return int(parts[0]), int(parts[1])
    except (IndexError, ValueError):
        return None


@contextmanager
def _quiet_pymilvus() -> Iterator[None]:
    """pymilvus logs every failed call at ERROR; an expected UNIMPLEMENTED is not one."""
    logger = logging.getLogger("pymilvus.decorators")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


def check_server(client: MilvusClient, uri: str) -> None:
    """Refuse a Milvus older than 2.5. milvus-lite's server has no version call: there the
    BM25 function is probed on the first collection instead (see ``probe_bm25``)."""
    try:
        with _quiet_pymilvus():
            version = client.get_server_version()
    except grpc.RpcError as error:
        if error.code() == grpc.StatusCode.UNIMPLEMENTED:  # milvus-lite
            return
        raise ConnectionError(f"cannot reach Milvus at {uri}: {error.details()}") from error
    require_version(str(version), uri)


def require_version(version: str, uri: str) -> None:
    """``MilvusTooOld`` unless ``version`` (``v2.5.4``, ``2.6.0``...) is 2.5 or newer."""
    found = _version(version)
    if found is not None and found < MIN_VERSION:
        raise MilvusTooOld(
            f"Milvus at {uri} is {version}; citesearch needs Milvus 2.5 or newer (older servers "
            f"drop the BM25 function silently)"
        )


def create_collection(
    client: MilvusClient,
    name: str,
    dimension: int,
    options: StoreOptions,
    expected_rows: int,
    second_dimension: int | None = None,
) -> None:
    """A new, empty passage collection (dropped first if a crashed writer left one), with a
    field for the second model's vectors when ``second_dimension`` is given."""
    if client.has_collection(name):
        client.drop_collection(name)
    schema = client.create_schema(auto_id=False)
    schema.add_field("row", DataType.INT64, is_primary=True)
    schema.add_field("chunk_id", DataType.VARCHAR, max_length=1024)
    schema.add_field("doc_id", DataType.VARCHAR, max_length=1024)
    schema.add_field(
        "terms",
        DataType.VARCHAR,
        max_length=TERMS_MAX_BYTES,
        enable_analyzer=True,
        analyzer_params={"tokenizer": "whitespace"},
    )
    schema.add_field(PASSAGE_SPARSE, DataType.SPARSE_FLOAT_VECTOR)
    schema.add_field(
        "note_terms",
        DataType.VARCHAR,
        max_length=TERMS_MAX_BYTES,
        enable_analyzer=True,
        analyzer_params={"tokenizer": "whitespace"},
    )
    schema.add_field(NOTE_SPARSE, DataType.SPARSE_FLOAT_VECTOR)
    schema.add_field(
        "cites",
        DataType.ARRAY,
        element_type=DataType.VARCHAR,
        max_capacity=CITES_MAX,
        max_length=CITE_MAX_BYTES,
    )
    schema.add_field("dense", DataType.FLOAT_VECTOR, dim=dimension)
    if second_dimension is not None:
        schema.add_field(SECOND_FIELD, DataType.FLOAT_VECTOR, dim=second_dimension)
    schema.add_function(
        Function(
            name="bm25",
            function_type=FunctionType.BM25,
            input_field_names=["terms"],
            output_field_names=[PASSAGE_SPARSE],
        )
    )
    schema.add_function(
        Function(
            name="note_bm25",
            function_type=FunctionType.BM25,
            input_field_names=["note_terms"],
            output_field_names=[NOTE_SPARSE],
        )
    )
    client.create_collection(name, schema=schema, consistency_level="Strong")
    _ = expected_rows  # the index is chosen at ``build_indexes`` from the real count


def passage_record(row: PassageRow) -> dict[str, Any]:
    """A passage as the row Milvus stores (ValueError when its terms do not fit a VARCHAR)."""
    if len(row.terms.encode()) > TERMS_MAX_BYTES:
        raise ValueError(f"chunk {row.chunk_id} has more BM25 terms than Milvus can hold")
    record = {
        "row": row.row,
        "chunk_id": row.chunk_id,
        "doc_id": row.doc_id,
        "terms": row.terms,
        "note_terms": _fitting(row.note_terms),
        "cites": [*cite_keys(row.note_terms), *row.entity_keys][:CITES_MAX],
        "dense": row.vector.astype(np.float32).tolist(),
    }
    if row.second is not None:
        record[SECOND_FIELD] = row.second.astype(np.float32).tolist()
    return record


def record_bytes(record: dict[str, Any]) -> int:
    """About how many bytes a row takes in an insert message (4 a float, a string's UTF-8)."""
    size = 8
    for value in record.values():
        if isinstance(value, str):
            size += len(value.encode())
        elif isinstance(value, list):
            size += sum(len(v.encode()) if isinstance(v, str) else 4 for v in value)
    return size


def batches(
    records: Iterable[dict[str, Any]], max_bytes: int = INSERT_BATCH_BYTES
) -> Iterator[list[dict[str, Any]]]:
    """``records`` in order, in batches of at most ``max_bytes`` (``record_bytes``) each; a
    larger record alone in its batch."""
    batch: list[dict[str, Any]] = []
    size = 0
    for record in records:
        nbytes = record_bytes(record)
        if batch and size + nbytes > max_bytes:
            yield batch
            batch, size = [], 0
        batch.append(record)
        size += nbytes
    if batch:
        yield batch


def insert(client: MilvusClient, name: str, rows: Iterable[PassageRow]) -> int:
    """Insert passages in batches of about ``INSERT_BATCH_BYTES``, each made (its rows read,
    converted) while Milvus stores the one before; returns how many."""
    total = 0
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="milvus-insert") as sender:
        sent: Future[Any] | None = None
        for batch in batches(passage_record(row) for row in rows):
            if sent is not None:
                sent.result()
            sent = sender.submit(client.insert, name, batch)
            total += len(batch)
        if sent is not None:
            sent.result()
    return total


def vector_index_params(options: StoreOptions, chunk_count: int) -> list[dict[str, Any]]:
    """The dense index to try, in order: FLAT (exact) by default; when the options ask for an
    approximate index, HNSW (the embedded backend's kind), else IVF_FLAT for servers without
    HNSW (milvus-lite has FLAT and IVF_FLAT only)."""
    if options.vector_kind(chunk_count) == "hnsw":
        nlist = min(65_536, max(1, int(4 * chunk_count**0.5)))
        return [
            {
                "index_type": "HNSW",
                "metric_type": "IP",
                "params": {"M": options.hnsw_m, "efConstruction": max(options.hnsw_ef_search, 64)},
            },
            {"index_type": "IVF_FLAT", "metric_type": "IP", "params": {"nlist": nlist}},
        ]
    return [{"index_type": "FLAT", "metric_type": "IP", "params": {}}]


def build_indexes(
    client: MilvusClient,
    name: str,
    options: StoreOptions,
    chunk_count: int,
    *,
    with_second: bool = False,
) -> str:
    """Flush, index (dense and, ``with_second``, the second model's field; BM25 with the store's
    k1/b; doc_id inverted) and load a collection; returns the dense index type used."""
    if options.bm25.method != "lucene" or options.bm25.idf_method not in (None, "lucene"):
        raise ValueError(
            f"the Milvus backend scores BM25 as Lucene does; {options.bm25.method!r} is not "
            f"available there"
        )
    client.flush(name)
    scalar = client.prepare_index_params()
    for field in (PASSAGE_SPARSE, NOTE_SPARSE):
        scalar.add_index(
            field,
            index_type="SPARSE_INVERTED_INDEX",
            metric_type="BM25",
            params={"bm25_k1": options.bm25.k1, "bm25_b": options.bm25.b},
        )
    scalar.add_index("doc_id", index_type="INVERTED")
    scalar.add_index("chunk_id", index_type="INVERTED")  # feedback reads vectors by chunk id
    client.create_index(name, scalar)
    _index_cites(client, name)
    choices = vector_index_params(options, chunk_count)
    for i, dense in enumerate(choices):
        params = client.prepare_index_params()
        params.add_index("dense", **dense)
        if with_second:
            params.add_index(SECOND_FIELD, **dense)
        try:
            with _quiet_pymilvus():
                client.create_index(name, params)
        except MilvusException as error:
            if i + 1 == len(choices) or "invalid index type" not in str(error):
                raise
            log.info("Milvus refused %s (%s); trying the next kind", dense["index_type"], error)
            continue
        client.load_collection(name)
        return str(dense["index_type"])
    raise AssertionError("unreachable: the last choice raises")


def _index_cites(client: MilvusClient, name: str) -> None:
    """An INVERTED index on the ``cites`` array, so a ``cites:`` filter is a keyed look-up;
    milvus-lite refuses it and scans the array instead (the same results)."""
    params = client.prepare_index_params()
    params.add_index("cites", index_type="INVERTED")
    try:
        with _quiet_pymilvus():
            client.create_index(name, params)
    except MilvusException as error:
        log.info("Milvus refused an index on cites (%s); cites: filters scan the array", error)


def probe_bm25(client: MilvusClient, name: str) -> None:
    """Refuse a server whose collections do not run the BM25 function (Milvus < 2.5)."""
    try:
        client.search(
            name,
            data=["citesearch"],
            anns_field=PASSAGE_SPARSE,
            limit=1,
            search_params={"metric_type": "BM25"},
        )
    except (MilvusException, grpc.RpcError) as error:
        raise MilvusTooOld(
            f"this Milvus does not run BM25 functions ({error}); citesearch needs Milvus 2.5 or "
            f"newer"
        ) from error


def holds_notes(client: MilvusClient, name: str) -> bool:
    """Whether a collection has the notes fields (one made before notes were searched has not)."""
    fields = client.describe_collection(name).get("fields", [])
    return any(f.get("name") == NOTE_SPARSE for f in fields)


def drop_collection(client: MilvusClient, name: str) -> None:
    if client.has_collection(name):
        client.drop_collection(name)


def point_alias(client: MilvusClient, alias: str, collection: str) -> bool:
    """Point ``alias`` at ``collection`` for tools that read Milvus directly; False where the
    server has no aliases (milvus-lite). citesearch's readers go by the catalog in PostgreSQL."""
    try:
        with _quiet_pymilvus():
            try:
                client.alter_alias(collection, alias)
            except MilvusException:
                client.create_alias(collection, alias)
    except grpc.RpcError as error:
        if error.code() == grpc.StatusCode.UNIMPLEMENTED:
            return False
        raise
    return True


def _filter(doc_ids: Sequence[str] | None, cites: Sequence[str] | None) -> str:
    """The Milvus expression of a document filter and a ``cites`` filter ("" when neither)."""
    parts = []
    if doc_ids is not None:
        parts.append(_in_filter("doc_id", doc_ids))
    if cites:
        keys = ", ".join(json.dumps(c) for c in dict.fromkeys(cites))
        parts.append(f"ARRAY_CONTAINS_ALL(cites, [{keys}])")
    return " and ".join(f"({p})" for p in parts)


def _in_filter(field: str, values: Sequence[str]) -> str:
    # JSON string literals are Milvus string literals (quotes and backslashes escaped).
    return f"{field} in [" + ", ".join(json.dumps(v) for v in dict.fromkeys(values)) + "]"


def _hits(result: Any, scale: float) -> list[ScoredId]:
    found = [
        (float(h["distance"]) / scale, int(h["id"]), h["entity"]["chunk_id"]) for h in result[0]
    ]
    found = [f for f in found if f[0] > 0] if scale != 1.0 else found
    found.sort(key=lambda f: (-f[0], f[1]))  # ties by row, as the embedded backend
    return [ScoredId(chunk_id, score) for score, _, chunk_id in found]


def bm25_search(
    client: MilvusClient,
    name: str,
    terms: Sequence[str],
    k: int,
    k1: float,
    doc_ids: Sequence[str] | None,
    cites: Sequence[str] | None = None,
    field: str = PASSAGE_SPARSE,
) -> list[ScoredId]:
    """The top-k passages by BM25 over citesearch's terms (a repeated term counts each time);
    ``field``: the passages' (``PASSAGE_SPARSE``) or their notes' (``NOTE_SPARSE``)."""
    terms = [t for t in terms if t and not any(c.isspace() for c in t)]
    if k <= 0 or not terms or (doc_ids is not None and not doc_ids):
        return []
    result = client.search(
        name,
        data=[" ".join(terms)],
        anns_field=field,
        limit=min(k, TOP_K_MAX),
        filter=_filter(doc_ids, cites),
        search_params={"metric_type": "BM25", "params": {"drop_ratio_search": 0.0}},
        output_fields=["chunk_id"],
    )
    return _hits(result, k1 + 1.0)


def vector_search(
    client: MilvusClient,
    name: str,
    vector: np.ndarray,
    k: int,
    doc_ids: Sequence[str] | None,
    ef_search: int,
    field: str = "dense",
    cites: Sequence[str] | None = None,
) -> list[ScoredId]:
    """The top-k passages by inner product with the query vector (``field``: "dense", or
    ``SECOND_FIELD`` for the second model's vectors)."""
    if k <= 0 or (doc_ids is not None and not doc_ids):
        return []
    result = client.search(
        name,
        data=[np.asarray(vector, dtype=np.float32).tolist()],
        anns_field=field,
        limit=min(k, TOP_K_MAX),
        filter=_filter(doc_ids, cites),
        # ef for HNSW, nprobe for IVF_FLAT (each index ignores the other's); FLAT needs neither.
        search_params={
            "metric_type": "IP",
            "params": {"ef": max(ef_search, k), "nprobe": ef_search},
        },
        output_fields=["chunk_id"],
    )
    return _hits(result, 1.0)


def vectors_of(
    client: MilvusClient, name: str, chunk_ids: Sequence[str], dimension: int, field: str = "dense"
) -> np.ndarray:
    """The stored vectors (``field``) of these passages, in the order asked (unknown ids left
    out)."""
    wanted = list(dict.fromkeys(chunk_ids))
    if not wanted:
        return np.zeros((0, dimension), dtype=np.float32)
    found = client.query(
        name,
        filter=_in_filter("chunk_id", wanted),
        output_fields=["chunk_id", field],
    )
    by_id = {row["chunk_id"]: row[field] for row in found}
    rows = [by_id[c] for c in chunk_ids if c in by_id]
    return np.asarray(rows, dtype=np.float32).reshape(len(rows), dimension)


def collection_name(index_name: str, generation: str) -> str:
    """A Milvus collection name (letters, digits, _) for a generation of an index."""
    return f"{alias_name(index_name)}_{generation}"


def alias_name(index_name: str) -> str:
    """The alias that names an index's published collection in Milvus."""
    return f"citesearch_{safe_name(index_name)}"
