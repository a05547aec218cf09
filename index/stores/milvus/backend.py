"""What the factory (``index.stores.factory``) calls to open the milvus backend; the return
types have mypy check that the store classes keep to the protocols."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from index.stores.base import (  # mypy checks the classes keep to them
    ModelInfo,
    StoreReader,
    StoreWriter,
)
from index.stores.milvus import catalog
from index.stores.milvus.reader import MilvusReader, model_from
from index.stores.milvus.writer import MilvusWriter
from index.stores.options import StoreOptions

if TYPE_CHECKING:
    from index.stores.factory import Location

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
    """An update of the index at ``location`` (see ``index.stores.milvus.writer``)."""
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
