"""An optional second stage: a cross-encoder re-scoring the top passages.

No cross-encoder ships offline with citesearch, so this is off unless a local model directory is
given (``CITESEARCH_RERANKER`` or ``--reranker PATH``); nothing is ever downloaded.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


class RerankerError(RuntimeError):
    """The reranker model cannot be loaded."""


class CrossEncoderReranker:
    """Scores (query, passage) pairs with a sentence-transformers CrossEncoder from a local path."""

    def __init__(self, model_path: Path, *, top_n: int = 20, max_length: int = 256) -> None:
        path = Path(model_path)
        if not path.is_dir():
            raise RerankerError(f"no reranker model at {path}: give a local model directory")
        from sentence_transformers import CrossEncoder

        try:
            self.model = CrossEncoder(
                str(path), device="cpu", max_length=max_length, local_files_only=True
            )
        except Exception as exc:  # transformers raises many types for a bad model directory
            raise RerankerError(f"cannot load the reranker at {path}: {exc}") from exc
        self.model_path = path
        self.top_n = top_n

    def score(self, query: str, passages: Sequence[str]) -> list[float]:
        """One relevance score per passage (higher is better)."""
        if not passages:
            return []
        scores = self.model.predict([(query, passage) for passage in passages])
        return [float(s) for s in scores]
