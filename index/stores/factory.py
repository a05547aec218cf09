"""Open a store from a location: the one place that knows which backends exist.

A location is a directory (the embedded backend: SQLite + FAISS + bm25s, generations behind a
symlink) or a Milvus URI with a PostgreSQL URL (the distributed backend), given by flags
(``--milvus URI --postgres URL``) or the environment (``CITESEARCH_MILVUS_URI``,
``CITESEARCH_POSTGRES_URL``). Backends are packages named in ``BACKENDS``, whose ``backend`` module is
imported only when a location asks for it, so the embedded backend never imports pymilvus. That
module provides the functions of ``Backend``.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol, cast

from index.stores.base import BackendUnavailable, ModelInfo, StoreReader, StoreWriter
from index.stores.options import StoreOptions

BackendName = Literal["embedded", "milvus"]

# name -> module implementing ``Backend``; a new backend is a package plus one line here.
BACKENDS: dict[BackendName, str] = {
    "embedded": "index.stores.embedded",
    "milvus": "index.stores.milvus",
}
_NOT_INSTALLED = {
    "milvus": "the Milvus + PostgreSQL backend is not installed in this build",
}

MILVUS_ENV = "CITESEARCH_MILVUS_URI"
POSTGRES_ENV = "CITESEARCH_POSTGRES_URL"


@dataclass(frozen=True)
class Location:
    """Where an index lives: a directory, or a Milvus URI and a PostgreSQL URL.

    ``directory`` is also kept with a distributed location: it names the index (its last part)
    and is where local side files (uploads, job records) go.
    """

    directory: Path
    milvus_uri: str | None = None
    postgres_url: str | None = None

    def __post_init__(self) -> None:
        if (self.milvus_uri is None) != (self.postgres_url is None):
            given, missing = (
                ("--milvus", "--postgres") if self.milvus_uri else ("--postgres", "--milvus")
            )
            raise ValueError(
                f"{given} needs {missing} as well: the distributed backend keeps passages in "
                f"Milvus and documents in PostgreSQL"
            )

    @property
    def backend(self) -> BackendName:
        """Which backend serves this location."""
        return "milvus" if self.milvus_uri is not None else "embedded"

    @property
    def name(self) -> str:
        """The index's name (the directory's last part), e.g. for Milvus collection aliases."""
        return self.directory.name

    def __str__(self) -> str:
        if self.milvus_uri is None:
            return str(self.directory)
        return f"{self.name} on Milvus {self.milvus_uri} + PostgreSQL {_redact(self.postgres_url)}"


def location_from(
    directory: Path | str,
    *,
    milvus: str | None = None,
    postgres: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> Location:
    """The location given by flags, else by ``CITESEARCH_MILVUS_URI`` / ``CITESEARCH_POSTGRES_URL``,
    else the directory alone. ValueError when only one of Milvus and PostgreSQL is given."""
    env = os.environ if environ is None else environ
    milvus = milvus or env.get(MILVUS_ENV) or None
    postgres = postgres or env.get(POSTGRES_ENV) or None
    return Location(Path(directory).absolute(), milvus, postgres)


def as_location(where: Location | Path | str) -> Location:
    """A location from a location or a directory path (the environment is not read)."""
    return where if isinstance(where, Location) else Location(Path(where).absolute())


class Backend(Protocol):
    """What a backend module provides (``index.stores.embedded`` is the reference)."""

    def open_reader(
        self, location: Location, *, model: ModelInfo | None, verify_checksums: bool
    ) -> StoreReader: ...

    def open_writer(
        self,
        location: Location,
        *,
        model: ModelInfo,
        options: StoreOptions | None,
        fresh: bool,
    ) -> StoreWriter: ...

    def recorded_model(self, location: Location) -> ModelInfo | None: ...

    def published_generation(self, location: Location) -> str | None: ...


def backend_for(location: Location) -> Backend:
    """The backend module serving ``location``, imported now; ``BackendUnavailable`` when it is
    not installed."""
    name = location.backend
    module_name = f"{BACKENDS[name]}.backend"
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        # Only the backend package itself (or its client library) being absent means "not
        # installed"; an import error inside an installed backend is a bug and propagates.
        if exc.name is not None and (
            module_name == exc.name or module_name.startswith(f"{exc.name}.")
        ):
            raise BackendUnavailable(
                _NOT_INSTALLED.get(name, f"backend {name!r} is missing")
            ) from exc
        if name in _NOT_INSTALLED:
            raise BackendUnavailable(f"{_NOT_INSTALLED[name]} ({exc})") from exc
        raise
    return cast(Backend, module)


# Backends whose writers store a document by its words before its vectors
# (``StoreWriter.words_first``): an upload is searchable by its words while it is embedded.
WORDS_FIRST: frozenset[BackendName] = frozenset({"embedded"})


def publishes_words_first(where: Location | Path | str) -> bool:
    """Whether the backend at ``where`` takes documents words first (no backend is imported)."""
    return as_location(where).backend in WORDS_FIRST


def open_reader(
    where: Location | Path | str,
    *,
    model: ModelInfo | None = None,
    verify_checksums: bool = True,
) -> StoreReader:
    """Open the current generation at ``where`` for reading.

    With ``model``, refuse (``IndexMismatch``) an index whose vectors come from another model.
    Raises ``IndexMissing`` when there is no index and ``IndexMismatch`` when it cannot be used,
    each with a message that says how to rebuild. ``verify_checksums`` lets a backend skip
    whole-file checks (the embedded backend still checks sizes).
    """
    location = as_location(where)
    return backend_for(location).open_reader(
        location, model=model, verify_checksums=verify_checksums
    )


def open_writer(
    where: Location | Path | str,
    *,
    model: ModelInfo,
    options: StoreOptions | None = None,
    fresh: bool = False,
) -> StoreWriter:
    """Begin an update of the index at ``where``: on top of its current generation, or from
    empty when there is none or with ``fresh``.

    ``options`` None keeps the base generation's options (the defaults for a new index).
    Raises ``IndexLocked`` while another writer holds the location, and ``IndexMismatch`` when
    the current generation was built by other code or for another model (unless ``fresh``).
    """
    location = as_location(where)
    return backend_for(location).open_writer(location, model=model, options=options, fresh=fresh)


def recorded_model(where: Location | Path | str) -> ModelInfo | None:
    """The model the current generation at ``where`` records, or None (no index, unreadable)."""
    location = as_location(where)
    return backend_for(location).recorded_model(location)


def published_generation(where: Location | Path | str) -> str | None:
    """The name of the generation published at ``where`` now (what a reader opened now would
    read: compare with ``StoreReader.generation``), or None (no index, unreachable). Cheap: a
    link read or one small query, for servers that poll for another process's publish."""
    location = as_location(where)
    return backend_for(location).published_generation(location)


def _redact(url: str | None) -> str:
    """A URL without its password, for messages and logs."""
    if not url or "@" not in url or "://" not in url:
        return url or ""
    scheme, rest = url.split("://", 1)
    credentials, host = rest.rsplit("@", 1)
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}"
