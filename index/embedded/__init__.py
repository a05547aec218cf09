"""The embedded backend: an index in one directory (SQLite + FAISS + bm25s), published as
generations behind a symlink.

| module | job |
|---|---|
| ``rows`` | the SQLite schema and every row read or written |
| ``manifest`` | format version, model, library versions and file checksums, checked at open |
| ``search_state`` | the in-memory bm25s and FAISS indexes: built, saved, loaded |
| ``store`` | ``EmbeddedStore``: one directory, read-only (a ``StoreReader``) or being written |
| ``writer`` | ``EmbeddedWriter``: a ``StoreWriter`` staging the next generation |
| ``generations``, ``lock`` | atomic publication by symlink swap; one writer at a time |

This module is the backend the factory (``index.store_factory``) loads; the return types below
have mypy check that the store classes keep to the protocols.
"""

from __future__ import annotations

from index.embedded.generations import current_generation
from index.embedded.manifest import recorded_model as _recorded_model
from index.embedded.store import EmbeddedStore
from index.embedded.writer import EmbeddedWriter
from index.store import ModelInfo, StoreReader, StoreWriter
from index.store_factory import Location
from index.store_options import StoreOptions

__all__ = [
    "EmbeddedStore",
    "EmbeddedWriter",
    "open_reader",
    "open_writer",
    "published_generation",
    "recorded_model",
]


def open_reader(
    location: Location, *, model: ModelInfo | None = None, verify_checksums: bool = True
) -> StoreReader:
    """The current generation of the directory index at ``location``, read-only."""
    return EmbeddedStore.open(
        location.directory,
        expect_model=model.name if model else None,
        expect_dim=model.dimension if model else None,
        expect_weights_hash=model.weights_hash if model else None,
        verify_checksums=verify_checksums,
    )


def open_writer(
    location: Location,
    *,
    model: ModelInfo,
    options: StoreOptions | None = None,
    fresh: bool = False,
) -> StoreWriter:
    """An update of the directory index at ``location`` (see ``EmbeddedWriter``)."""
    return EmbeddedWriter(location.directory, model=model, options=options, fresh=fresh)


def recorded_model(location: Location) -> ModelInfo | None:
    """The model the directory index at ``location`` records, or None."""
    return _recorded_model(location.directory)


def published_generation(location: Location) -> str | None:
    """The generation directory the index link points to now (``index.7``), or None."""
    current = current_generation(location.directory)
    return current.name if current is not None else None
