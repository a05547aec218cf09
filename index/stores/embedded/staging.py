"""An update of a directory index: staged next to it, published as a new generation.

The writer holds the index's lock (``index.stores.embedded.lock``) from open to close. It reads the
current generation until the first change, then copies it into a staging directory
(``index.stores.embedded.generations``) and writes there; ``publish`` commits the staged store and swaps
the generation symlink. So a build that finds nothing to change copies nothing.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from index.records import Chunk, ChunkSentences
from index.stores.base import (
    ClosesOnExit,
    DocumentInfo,
    FileFingerprint,
    IndexMissing,
    ModelInfo,
    PreparedDocument,
)
from index.stores.embedded.generations import adopt_plain_directory, new_staging_dir, publish
from index.stores.embedded.lock import IndexLock
from index.stores.embedded.store import EmbeddedStore
from index.stores.options import StoreOptions


class EmbeddedWriter(ClosesOnExit):
    """A ``StoreWriter`` of the index at ``index_dir`` (a generation symlink)."""

    def __init__(
        self,
        index_dir: Path,
        *,
        model: ModelInfo,
        options: StoreOptions | None = None,
        fresh: bool = False,
    ) -> None:
        self.index_dir = Path(index_dir).absolute()
        self.model = model
        self._options = options
        self._lock = IndexLock(self.index_dir)
        self._lock.__enter__()
        self._base: EmbeddedStore | None = None
        self._staging: Path | None = None
        self._staged: EmbeddedStore | None = None
        self._dirty = False
        self._published = False
        try:
            adopt_plain_directory(self.index_dir)
            if not fresh:
                try:
                    self._base = EmbeddedStore.open_for(self.index_dir, model)
                except IndexMissing:
                    self._base = None
        except BaseException:
            self._lock.__exit__(None, None, None)
            raise

    # ---- reads: the update as it stands ------------------------------------------------------

    @property
    def chunk_count(self) -> int:
        store = self._current()
        return store.chunk_count if store is not None else 0

    def documents(self) -> list[DocumentInfo]:
        store = self._current()
        return store.documents() if store is not None else []

    def sources(self) -> dict[str, FileFingerprint]:
        store = self._current()
        return store.sources() if store is not None else {}

    def get_cached_embeddings(
        self, text_hashes: Sequence[str], *, second: bool = False
    ) -> dict[str, np.ndarray]:
        store = self._current()
        if store is None:
            return {}
        return store.get_cached_embeddings(text_hashes, second=second)

    # ---- writes ------------------------------------------------------------------------------

    def add_document(self, prepared: PreparedDocument) -> None:
        self._stage().add_document(prepared)
        self._dirty = True

    words_first = True

    def add_meaning(
        self,
        chunks: Sequence[Chunk],
        vectors: np.ndarray,
        sentences: Sequence[ChunkSentences],
        second_vectors: np.ndarray | None = None,
    ) -> list[str]:
        took = self._stage().add_meaning(chunks, vectors, sentences, second_vectors)
        self._dirty = self._dirty or bool(took)
        return took

    def remove_document(self, doc_id: str) -> None:
        self._stage().remove_document(doc_id)
        self._dirty = True

    def put_embeddings(
        self, text_hashes: Sequence[str], vectors: np.ndarray, *, second: bool = False
    ) -> None:
        self._stage().put_embeddings(text_hashes, vectors, second=second)
        self._dirty = True

    def commit(self) -> None:
        self._stage().commit()
        self._dirty = False

    def publish(self) -> str:
        staged = self._stage()
        if self._dirty or staged.manifest is None:
            self.commit()
        staged.close()
        self._staged = None
        assert self._staging is not None
        final = publish(self._staging, self.index_dir)  # on failure close() removes the staging
        self._staging = None
        self._published = True
        return final.name

    def close(self) -> None:
        try:
            if self._staged is not None:
                self._staged.close()
                self._staged = None
            if self._staging is not None:
                shutil.rmtree(self._staging, ignore_errors=True)
                self._staging = None
            if self._base is not None:
                self._base.close()
                self._base = None
        finally:
            self._lock.__exit__(None, None, None)

    # ---- internals ---------------------------------------------------------------------------

    def _current(self) -> EmbeddedStore | None:
        self._check_open()
        return self._staged if self._staged is not None else self._base

    def _stage(self) -> EmbeddedStore:
        """The staged copy of the base generation, made on the first change."""
        self._check_open()
        if self._staged is None:
            self._staging = new_staging_dir(self.index_dir)
            try:
                self._staged = EmbeddedStore.create(
                    self._staging, model=self.model, options=self._options, base=self._base
                )
            except BaseException:
                shutil.rmtree(self._staging, ignore_errors=True)
                self._staging = None
                raise
        return self._staged

    def _check_open(self) -> None:
        if self._published:
            raise RuntimeError(
                f"this update of {self.index_dir} was published; open a reader to read it"
            )
