"""The embedder gives unit vectors that put paraphrases together, and counts word pieces."""

from __future__ import annotations

import numpy as np
import pytest

from index.embed import Embedder


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return Embedder()


def test_model_identity(embedder: Embedder) -> None:
    assert embedder.model_name == "sentence-transformers/all-MiniLM-L6-v2"
    assert embedder.dimension == 384
    assert embedder.max_seq_length == 256
    assert len(embedder.weights_hash) == 64
    assert embedder.weights_hash == embedder.weights_hash


def test_vectors_are_unit_length_float32(embedder: Embedder) -> None:
    texts = ["Belarus exports potash.", "", "Минск и Исламабад подписали соглашение." * 40]
    vectors = embedder.encode(texts)
    assert vectors.dtype == np.float32
    assert vectors.shape == (3, 384)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_paraphrase_is_closer_than_unrelated(embedder: Embedder) -> None:
    anchor, paraphrase, unrelated = embedder.encode(
        [
            "Belarus sold more tractors to Pakistan last year.",
            "Last year Pakistan bought more Belarusian tractors.",
            "The recipe calls for two cups of flour and an egg.",
        ]
    )
    assert anchor @ paraphrase > anchor @ unrelated + 0.3


def test_batches_sorted_by_length_come_back_in_the_order_given(embedder: Embedder) -> None:
    texts = [f"{'word ' * n}number {n}" for n in (50, 2, 30, 1, 80, 7)]
    together = embedder.encode(texts, batch_size=2)
    one_by_one = np.vstack([embedder.encode_query(t) for t in texts])
    np.testing.assert_allclose(together, one_by_one, atol=1e-5)


def test_counters_count_model_work(embedder: Embedder) -> None:
    calls, texts = embedder.calls, embedder.texts_encoded
    embedder.encode(["one", "two", "three"])
    embedder.encode([])
    assert (embedder.calls - calls, embedder.texts_encoded - texts) == (1, 3)


def test_count_tokens_uses_the_model_word_pieces(embedder: Embedder) -> None:
    # the, quick, brown, fox, jumps, over, the, lazy, dog, "." — no [CLS]/[SEP]
    assert embedder.count_tokens("The quick brown fox jumps over the lazy dog.") == 10
    # Unknown words split into several pieces; counting is not cut at the model's limit.
    assert embedder.count_tokens("Lukashenka") > 1
    assert embedder.count_tokens("trade " * 1000) == 1000
