"""The distributed backend: passages in Milvus (>= 2.5), everything else in PostgreSQL.

- ``passages``: a Milvus collection per generation (dense vectors, BM25 function, doc filter).
- ``catalog``: the PostgreSQL schema (generations, the published one, documents, chunks,
  sentences, vocabulary, embedding cache).
- ``rows``: records to and from PostgreSQL values.
- ``reader`` / ``writer``: ``StoreReader`` and ``StoreWriter`` over both.

Open through ``index.store_factory`` with ``--milvus URI --postgres URL`` (or
``CITESEARCH_MILVUS_URI`` / ``CITESEARCH_POSTGRES_URL``); the index's name is the location's
directory name, so several indexes can share one Milvus and one PostgreSQL.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from index.milvus import catalog
from index.milvus.reader import MilvusReader, model_from
from index.milvus.writer import MilvusWriter
from index.store import ModelInfo, StoreReader, StoreWriter  # mypy checks the classes keep to them
from index.store_options import StoreOptions

if TYPE_CHECKING:
    from index.store_factory import Location

__all__ = [
    "MilvusReader",
    "MilvusWriter",
    "open_reader",
    "open_writer",
    "published_generation",
    "recorded_model",
]


def _urls(location: Location) -> tuple[str, str]:
    if location.milvus_uri is None or location.postgres_url is None:
        raise ValueError("the Milvus backend needs both --milvus and --postgres")
    return location.milvus_uri, location.postgres_url


def open_reader(
    location: Location, *, model: ModelInfo | None, verify_checksums: bool
) -> StoreReader:
    """The generation published at ``location`` (``verify_checksums`` has no meaning here: the
    servers keep their own data consistent)."""
    milvus, postgres = _urls(location)
    return MilvusReader.open(milvus, postgres, location.name, model)


def open_writer(
    location: Location, *, model: ModelInfo, options: StoreOptions | None, fresh: bool
) -> StoreWriter:
    """An update of the index at ``location`` (see ``index.milvus.writer``)."""
    milvus, postgres = _urls(location)
    return MilvusWriter.open(
        milvus, postgres, location.name, model=model, options=options, fresh=fresh
    )


def recorded_model(location: Location) -> ModelInfo | None:
    """The model of the published generation, or None (no index, or PostgreSQL unreachable)."""
    found = _published_row(location)
    return model_from(found["model"]) if found else None


def published_generation(location: Location) -> str | None:
    """The name of the published generation, or None (no index, or PostgreSQL unreachable)."""
    found = _published_row(location)
    return str(found["name"]) if found else None


def _published_row(location: Location) -> dict[str, Any] | None:
    """The published generation's catalog row, or None (no index, or PostgreSQL unreachable)."""
    _, postgres = _urls(location)
    try:
        conn = catalog.connect(postgres)
    except ConnectionError:
        return None
    with conn:
        schema = catalog.schema_name(location.name)
        if not catalog.schema_exists(conn, schema):
            return None
        return catalog.current_generation(conn, schema)
