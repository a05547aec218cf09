"""Synthetic collections for scale: Zipf-distributed text of realistic chunk lengths, and vectors.

Text: word ranks follow a Zipf-Mandelbrot law, p(r) ~ 1 / (r + 2.7)^1.07, the shape fitted to
English word frequencies; the most frequent ranks are English function words (which the BM25
tokenizer drops, as in real text) and the rest are pronounceable pseudo-words. The vocabulary
grows with the collection by Heaps' law, V = 30 * words^0.55. Chunk lengths follow the corpus
chunks (a budget of 200 word pieces, about 140 words; a few short ones at document ends), with a
full stop every 12-30 words so sentence splitting has work to do.

Vectors: unit vectors, either uniform on the sphere (the worst case for graph indexes) or
clustered: topic centres plus noise in a shared low-rank subspace plus a little isotropic noise,
which gives same-topic cosines around 0.5-0.7 and unrelated ones near 0, as sentence embeddings do.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

# The most frequent English words, most frequent first (all in the tokenizer's stop list or
# near it); they take the top ranks of the Zipf law.
_FUNCTION_WORDS = (
    "the of and to a in is that for it as was with be by on not he this are or his from at which "
    "but have an they you were her she there been their one all we can has more its will would "
    "if no what so about when who into them some than other then these could also only may"
)
FUNCTION_WORDS: list[str] = _FUNCTION_WORDS.split()

_CONSONANTS = list("bcdfghklmnprstvz") + ["ch", "sh", "th", "tr", "br", "gr", "st"]
_VOWELS = ["a", "e", "i", "o", "u", "ai", "ou", "ea"]
_ZIPF_S = 1.07
_ZIPF_Q = 2.7


def heaps_vocabulary_size(total_words: int) -> int:
    """Distinct words expected in a collection of ``total_words`` words (Heaps' law)."""
    return max(len(FUNCTION_WORDS) + 1000, int(30 * total_words**0.55))


def pseudo_words(count: int, seed: int) -> list[str]:
    """``count`` distinct pronounceable lower-case words of 2-4 syllables."""
    rng = np.random.default_rng(seed)
    syllables = [c + v for c in _CONSONANTS for v in _VOWELS]
    seen: set[str] = set(FUNCTION_WORDS)
    words: list[str] = []
    while len(words) < count:
        batch = int((count - len(words)) * 1.1) + 16
        lengths = rng.integers(2, 5, size=batch)
        picks = rng.integers(0, len(syllables), size=(batch, 4)).tolist()
        for n, row in zip(lengths.tolist(), picks, strict=True):
            word = "".join([syllables[i] for i in row[:n]])
            if word not in seen:
                seen.add(word)
                words.append(word)
    return words[:count]


def zipf_probabilities(size: int) -> np.ndarray:
    """Zipf-Mandelbrot probabilities of ranks 1..size (float64, summing to 1)."""
    weights = 1.0 / (np.arange(1, size + 1, dtype=np.float64) + _ZIPF_Q) ** _ZIPF_S
    return weights / weights.sum()


def chunk_lengths(n: int, rng: np.random.Generator) -> np.ndarray:
    """Words per chunk: mostly near the 200-word-piece budget (~140 words), some shorter."""
    full = np.clip(rng.normal(140, 18, size=n), 90, 175)
    short = rng.uniform(25, 120, size=n)
    return np.where(rng.random(n) < 0.1, short, full).astype(np.int64)


@dataclass
class SyntheticText:
    """A synthetic collection: chunk texts and the vocabulary they were drawn from."""

    texts: list[str]
    vocabulary: list[str]


def synthetic_texts(n: int, seed: int = 0, *, batch: int = 20_000) -> SyntheticText:
    """``n`` chunk texts of Zipf-distributed words (deterministic for a seed)."""
    rng = np.random.default_rng(seed)
    lengths = chunk_lengths(n, rng)
    vocab_size = heaps_vocabulary_size(int(lengths.sum()))
    vocabulary = FUNCTION_WORDS + pseudo_words(vocab_size - len(FUNCTION_WORDS), seed + 1)
    words = np.asarray(vocabulary, dtype=object)
    cdf = np.cumsum(zipf_probabilities(len(vocabulary)))
    texts: list[str] = []
    for start in range(0, n, batch):
        part = lengths[start : start + batch]
        ranks = np.searchsorted(cdf, rng.random(int(part.sum())) * cdf[-1], side="right")
        drawn = words[np.minimum(ranks, len(words) - 1)]
        stops = rng.integers(12, 31, size=int(part.sum()))
        offset = 0
        for length in part:
            tokens = drawn[offset : offset + length].tolist()
            gaps = stops[offset : offset + length]
            offset += length
            texts.append(_sentences(tokens, gaps))
    return SyntheticText(texts=texts, vocabulary=vocabulary)


def _sentences(tokens: list[str], gaps: np.ndarray) -> str:
    """Words joined into sentences: a full stop after every ``gaps[i]`` words, capitals after."""
    out: list[str] = []
    position = 0
    while position < len(tokens):
        length = int(gaps[position])
        words = tokens[position : position + length]
        out.append(" ".join(words).capitalize() + ".")
        position += length
    return " ".join(out)


def synthetic_queries(
    texts: list[str], n: int, seed: int = 0, *, min_words: int = 2, max_words: int = 5
) -> list[str]:
    """Keyword queries as a reader would type them: 2-5 content words of one chunk.

    Drawing from a chunk guarantees matches; content words (not function words) give the
    mid-frequency terms real queries have.
    """
    rng = np.random.default_rng(seed + 7)
    stop = set(FUNCTION_WORDS)
    queries: list[str] = []
    while len(queries) < n:
        text = texts[int(rng.integers(0, len(texts)))]
        content = list(dict.fromkeys(w.strip(".").lower() for w in text.split()))
        content = [w for w in content if w and w not in stop]
        if len(content) < min_words:
            continue
        size = int(rng.integers(min_words, min(max_words, len(content)) + 1))
        picks = rng.choice(len(content), size=size, replace=False)
        queries.append(" ".join(content[i] for i in sorted(picks)))
    return queries


# ---- vectors ----------------------------------------------------------------------------------


def _normalize(matrix: np.ndarray) -> np.ndarray:
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix


def random_unit_vectors(n: int, dim: int = 384, seed: int = 0) -> np.ndarray:
    """``n`` float32 vectors uniform on the unit sphere."""
    rng = np.random.default_rng(seed)
    return _normalize(rng.standard_normal((n, dim), dtype=np.float32))


class ClusteredVectors:
    """A generator of clustered unit vectors; documents and queries come from the same topics.

    A point is ``centre + 0.9 * (noise in a rank-48 subspace) + 0.35 * isotropic noise``,
    normalised: same-topic cosines come out near 0.5-0.7, as for sentence embeddings of passages
    on one subject, and the neighbourhoods have the low intrinsic dimension real text has.
    """

    def __init__(self, dim: int = 384, topics: int = 256, rank: int = 48, seed: int = 0) -> None:
        rng = np.random.default_rng(seed)
        self.dim = dim
        self.centres = random_unit_vectors(topics, dim, seed + 11)
        basis, _ = np.linalg.qr(rng.standard_normal((dim, rank)))
        self.basis = basis.T.astype(np.float32)  # (rank, dim), orthonormal rows
        # Topic sizes follow a Zipf law too: a few subjects dominate a newsroom's archive.
        self.topic_weights = zipf_probabilities(topics)

    def sample(self, n: int, seed: int, *, batch: int = 100_000) -> np.ndarray:
        """``n`` float32 unit vectors (deterministic for a seed)."""
        rng = np.random.default_rng(seed)
        out = np.empty((n, self.dim), dtype=np.float32)
        rank = self.basis.shape[0]
        for start in range(0, n, batch):
            m = min(batch, n - start)
            topics = rng.choice(len(self.centres), size=m, p=self.topic_weights)
            low = rng.standard_normal((m, rank), dtype=np.float32) @ self.basis
            low *= 0.9 / np.sqrt(rank)
            iso = rng.standard_normal((m, self.dim), dtype=np.float32)
            iso *= 0.35 / np.sqrt(self.dim)
            out[start : start + m] = self.centres[topics] + low + iso
        return _normalize(out)


def iter_batches(n: int, batch: int) -> Iterator[tuple[int, int]]:
    """(start, stop) pairs covering range(n) in steps of ``batch``."""
    for start in range(0, n, batch):
        yield start, min(n, start + batch)
