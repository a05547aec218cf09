"""How a store ranks: BM25 parameters and the kind of vector index, shared by every backend.

Scoring is bm25s's "lucene" variant by default with k1=0.9, b=0.4, the parameters of the Pyserini
BM25 baselines (Kamphuis et al., "Which BM25 do you mean?", ECIR 2020).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal, get_args

BM25Method = Literal["lucene", "robertson", "atire", "bm25l", "bm25+"]
VectorIndexKind = Literal["flat", "hnsw"]


@dataclass(frozen=True)
class BM25Params:
    """BM25 settings. ``idf_method`` None means the same variant as ``method``."""

    k1: float = 0.9
    b: float = 0.4
    method: BM25Method = "lucene"
    idf_method: BM25Method | None = None

    def __post_init__(self) -> None:
        if self.k1 < 0:
            raise ValueError(f"BM25 k1 must be >= 0, got {self.k1}")
        if not 0 <= self.b <= 1:
            raise ValueError(f"BM25 b must be within [0, 1], got {self.b}")
        for name in (self.method, self.idf_method):
            if name is not None and name not in get_args(BM25Method):
                raise ValueError(
                    f"unknown BM25 variant {name!r}; choose from {get_args(BM25Method)}"
                )


@dataclass(frozen=True)
class StoreOptions:
    """How a store searches: BM25 parameters and the kind of vector index.

    ``vector_index="auto"`` uses exact search (flat inner product) up to ``hnsw_threshold``
    chunks and an HNSW graph above it.
    """

    bm25: BM25Params = field(default_factory=BM25Params)
    vector_index: Literal["auto", "flat", "hnsw"] = "auto"
    hnsw_threshold: int = 200_000
    hnsw_m: int = 32
    hnsw_ef_search: int = 128

    def __post_init__(self) -> None:
        if self.vector_index not in ("auto", "flat", "hnsw"):
            raise ValueError(
                f"vector_index must be 'auto', 'flat' or 'hnsw', got {self.vector_index!r}"
            )
        if self.hnsw_threshold < 0 or self.hnsw_m < 2 or self.hnsw_ef_search < 1:
            raise ValueError("hnsw_threshold >= 0, hnsw_m >= 2 and hnsw_ef_search >= 1 required")

    def vector_kind(self, chunk_count: int) -> VectorIndexKind:
        """The vector index a store of ``chunk_count`` chunks uses."""
        if self.vector_index == "auto":
            return "hnsw" if chunk_count > self.hnsw_threshold else "flat"
        return self.vector_index

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> StoreOptions:
        return cls(**{**data, "bm25": BM25Params(**data["bm25"])})
