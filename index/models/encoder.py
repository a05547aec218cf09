"""The ``Encoder`` protocol: what the build and the searcher ask of an embedding model.

``index.models.embedder.Embedder`` (e5 or MiniLM on torch, queries on ONNX Runtime) and
``index.models.dask_embedder.DaskEmbedder`` are the real ones; ``index.models.hash_encoder``
gives deterministic vectors without a model, for tests of mechanics (generations, locks,
crashes, status codes), never of ranking or answers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

import numpy as np

BatchCallback = Callable[[int, int], None]  # (texts embedded so far, texts in all)


class Encoder(Protocol):
    """Texts to unit-length float32 vectors; ``second`` embeds the same chunks a second way."""

    calls: int  # ``encode``/``encode_query`` calls that reached the model
    texts_encoded: int  # texts those calls held

    @property
    def model_name(self) -> str:
        """The name an index records; an index refuses another model's queries."""
        ...

    @property
    def weights_hash(self) -> str:
        """A digest of the weights: vectors of two encoders with the same one are the same."""
        ...

    @property
    def dimension(self) -> int: ...

    @property
    def passage_tokens(self) -> int:
        """Word pieces per passage the chunker aims for."""
        ...

    @property
    def max_seq_length(self) -> int:
        """Word pieces the model reads per text; the rest is cut."""
        ...

    @property
    def second(self) -> Encoder | None:
        """Another model whose vectors of the same chunks an index holds too, or None."""
        ...

    def encode(
        self,
        texts: Sequence[str],
        batch_size: int = 64,
        *,
        show_progress: bool = False,
        on_batch: BatchCallback | None = None,
    ) -> np.ndarray:
        """Passage vectors, one row per text in the order given: (len(texts), dimension)."""
        ...

    def encode_query(self, text: str) -> np.ndarray:
        """One query vector of shape (dimension,)."""
        ...

    def count_tokens(self, text: str) -> int:
        """Word pieces the model reads of a passage (its prefix included, specials not)."""
        ...
