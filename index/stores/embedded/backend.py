"""What the factory (``index.stores.factory``) calls to open the embedded backend; the return
types have mypy check that the store classes keep to the protocols."""

from __future__ import annotations

from index.stores.base import ModelInfo, StoreReader, StoreWriter
from index.stores.embedded.generations import current_generation
from index.stores.embedded.manifest import recorded_model as _recorded_model
from index.stores.embedded.staging import EmbeddedWriter
from index.stores.embedded.store import EmbeddedStore
from index.stores.factory import Location
from index.stores.options import StoreOptions

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
