"""Query vectors embedded once per text, shared by every search of an evaluation run."""

from __future__ import annotations

import time

import numpy as np

from index.models.encoder import Encoder


class QueryVectors:
    """Query vectors embedded once per text and shared by every configuration of a run.

    Stands in for the searcher's embedder (only ``encode_query`` and ``dimension`` are used at
    query time). A search's latency still counts its query's embedding: the time the model took
    for that text, measured when it was first embedded, replaces whatever the cache saved.
    """

    def __init__(self, embedder: Encoder) -> None:
        self._embedder = embedder
        self._vectors: dict[str, np.ndarray] = {}
        self._seconds: dict[str, float] = {}
        self._asked: list[str] = []
        self._spent = 0.0  # model time inside the current call

    @property
    def dimension(self) -> int:
        return self._embedder.dimension

    def __getattr__(self, name: str) -> object:
        return getattr(self._embedder, name)

    def encode_query(self, text: str) -> np.ndarray:
        self._asked.append(text)
        if text not in self._vectors:
            started = time.perf_counter()
            self._vectors[text] = self._embedder.encode_query(text)
            self._seconds[text] = time.perf_counter() - started
            self._spent += self._seconds[text]
        return self._vectors[text]

    @property
    def embedded(self) -> int:
        """Texts that reached the model."""
        return len(self._vectors)

    def start_call(self) -> None:
        self._asked, self._spent = [], 0.0

    def latency_of_call(self, elapsed: float) -> float:
        """A call's wall time as if each query it embedded had gone to the model."""
        return elapsed - self._spent + sum(self._seconds[text] for text in self._asked)
