"""Records of an evaluation: a search configuration, what it scored, a whole test set's report."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, get_args

from eval.metrics import Qrels, Run, judged_queries
from retrieval.hits import Fusion

if TYPE_CHECKING:
    from eval.answers import AnswerReport

Engine = Literal["bm25", "dense", "hybrid", "rank-bm25"]
"""A search mode of citesearch, or ``rank-bm25``: the reference BM25 over the same chunks."""


@dataclass(frozen=True)
class RunConfig:
    """One way of searching: a mode, and for hybrid the fusion and its parameter."""

    name: str
    engine: Engine
    fusion: Fusion | None = None
    dense_weight: float | None = None
    rrf_k: int | None = None
    # The second model's share of the dense weight (``SearchOptions.second_share``); 0: without.
    second_share: float | None = None
    # Pseudo-relevance feedback's passages (``SearchOptions.feedback_passages``); 0: without.
    feedback: int | None = None

    def __post_init__(self) -> None:
        if self.engine not in get_args(Engine):
            raise ValueError(f"engine must be one of {get_args(Engine)}, not {self.engine!r}")
        if not self.name or any(c.isspace() or c in "/\\" for c in self.name):
            raise ValueError(f"config name {self.name!r} must be a non-empty file-name-safe word")
        if (self.engine == "hybrid") != (self.fusion is not None):
            raise ValueError(f"{self.name}: a fusion is given for hybrid search, and only for it")
        if self.dense_weight is not None and self.fusion != "weighted":
            raise ValueError(f"{self.name}: dense_weight applies to weighted fusion only")
        if self.rrf_k is not None and self.fusion != "rrf":
            raise ValueError(f"{self.name}: rrf_k applies to RRF fusion only")
        if self.second_share is not None and self.engine != "hybrid":
            raise ValueError(f"{self.name}: second_share applies to hybrid search only")
        if self.feedback is not None and (self.engine != "hybrid" or self.feedback < 0):
            raise ValueError(f"{self.name}: feedback is 0 or more passages, for hybrid search")

    def describe(self) -> str:
        """A short human description, as printed under the tables."""
        if self.engine == "rank-bm25":
            return "reference BM25 (rank-bm25 BM25Okapi, same chunks and terms, k1=0.9 b=0.4)"
        if self.engine != "hybrid":
            return f"citesearch {self.engine}"
        second = (
            ", without the second model"
            if self.second_share == 0
            else f", second model's share {self.second_share:g}"
            if self.second_share is not None
            else ""
        )
        if self.feedback is not None:
            second += (
                ", without feedback"
                if self.feedback == 0
                else f", feedback from {self.feedback} passages"
            )
        if self.fusion == "rrf":
            return f"hybrid, reciprocal rank fusion, k={self.rrf_k or 'default'}{second}"
        weight = self.dense_weight or "default"
        return f"hybrid, weighted min-max fusion, dense weight {weight}{second}"


@dataclass
class ConfigResult:
    """What one configuration scored, with its run and per-query latencies."""

    config: RunConfig
    metrics: dict[str, float]
    """Metric name -> mean over the scored queries; absent where the config has no such figure."""
    run: Run
    latencies_ms: dict[str, float]
    failed: dict[str, str] = field(default_factory=dict)  # query id -> why it was refused
    seconds: float = 0.0
    """Wall time of the whole configuration: every query searched and its hits kept."""


@dataclass
class EvalReport:
    """One test set evaluated under several configurations (the QA set or a BEIR collection)."""

    kind: Literal["qa", "beir"]
    name: str
    k: int
    metric_names: list[str]
    qrels: Qrels
    results: list[ConfigResult]
    recall_curve: dict[str, list[float]]
    """Config name -> mean recall at k = 1, 2, ... (the plot's data)."""
    notes: list[str] = field(default_factory=list)
    answers: AnswerReport | None = None
    """Answer accuracy, abstention and their curve (``eval.answers``): the question set only."""

    @property
    def queries(self) -> int:
        """Queries scored: those with at least one relevant chunk."""
        return len(judged_queries(self.qrels))
