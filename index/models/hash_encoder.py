"""A deterministic encoder without a model: each word hashed to a fixed random direction.

For tests of mechanics (generations, locks, crashes, writes, status codes), which need vectors of
the right shape that are the same on every run and cost nothing, and must not wait seconds for a
model to load in every process they start. A text's vector is the normalised sum of its words'
directions, so texts sharing words are close; it knows nothing of meaning, and no test of ranking
or answers uses it. An index built with it records its name and is served with it again
(``index.models.by_name``).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

import numpy as np

from index.models.encoder import BatchCallback

HASH_MODEL_PREFIX = "citesearch/hash-"
_WORD = re.compile(r"\w+|[^\w\s]")
_VERSION = 1  # bump when the vectors change


class HashEncoder:
    """``Encoder`` of ``dimension``-long vectors from word hashes; ``second`` another one.

    >>> encoder = HashEncoder(64)
    >>> encoder.encode(["Minsk and Islamabad", "Islamabad and Minsk"]).shape
    (2, 64)
    >>> bool(np.allclose(*encoder.encode(["a b", "b a"])))
    True
    """

    def __init__(self, dimension: int = 64, *, second: HashEncoder | None = None) -> None:
        if dimension < 2:
            raise ValueError(f"dimension must be at least 2, got {dimension}")
        self._dimension = dimension
        self.second = second
        self.calls = 0
        self.texts_encoded = 0
        self._directions: dict[str, np.ndarray] = {}

    @classmethod
    def with_second(cls) -> HashEncoder:
        """A first and a second encoder, as ``Embedder()`` holds e5 and MiniLM."""
        return cls(64, second=cls(32))

    @property
    def model_name(self) -> str:
        return f"{HASH_MODEL_PREFIX}{self._dimension}"

    @property
    def weights_hash(self) -> str:
        return hashlib.sha256(f"{self.model_name} v{_VERSION}".encode()).hexdigest()

    @property
    def dimension(self) -> int:
        return self._dimension

    @property
    def passage_tokens(self) -> int:
        return 200

    @property
    def max_seq_length(self) -> int:
        return 256

    def count_tokens(self, text: str) -> int:
        """Words and punctuation marks: a word piece each."""
        return len(_WORD.findall(text))

    def encode(
        self,
        texts: Sequence[str],
        batch_size: int = 64,
        *,
        show_progress: bool = False,
        on_batch: BatchCallback | None = None,
    ) -> np.ndarray:
        out = np.stack([self._vector(t) for t in texts]) if texts else self._empty()
        self.calls += 1
        self.texts_encoded += len(texts)
        if on_batch is not None and texts:
            on_batch(len(texts), len(texts))
        return out

    def encode_query(self, text: str) -> np.ndarray:
        self.calls += 1
        self.texts_encoded += 1
        return self._vector(text)

    def _empty(self) -> np.ndarray:
        return np.zeros((0, self._dimension), dtype=np.float32)

    def _vector(self, text: str) -> np.ndarray:
        total = np.zeros(self._dimension, dtype=np.float64)
        for word in _WORD.findall(text.lower()):
            total += self._direction(word)
        norm = float(np.linalg.norm(total))
        if norm == 0.0:  # no words: one fixed direction, still unit length
            total = self._direction("")
            norm = float(np.linalg.norm(total))
        return np.asarray(total / norm, dtype=np.float32)

    def _direction(self, word: str) -> np.ndarray:
        found = self._directions.get(word)
        if found is None:
            seed = hashlib.blake2b(f"{self._dimension}:{word}".encode(), digest_size=8).digest()
            rng = np.random.default_rng(int.from_bytes(seed, "little"))
            found = rng.standard_normal(self._dimension)
            self._directions[word] = found
        return found
