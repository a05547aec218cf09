"""The hash encoder: the vectors tests of mechanics get without a model, and how it is found again."""

from __future__ import annotations

import numpy as np
import pytest

from index.models.by_name import encoder_by_name
from index.models.hash_encoder import HashEncoder
from index.stores.base import ModelInfo


def test_vectors_are_unit_length_deterministic_and_closer_for_shared_words() -> None:
    first, again = HashEncoder(64), HashEncoder(64)
    texts = ["Belarus exports potash to Brazil.", "Potash exports from Belarus", "Rice and wheat"]
    vectors = first.encode(texts)
    assert vectors.shape == (3, 64) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert np.array_equal(vectors, again.encode(texts))
    assert float(vectors[0] @ vectors[1]) > float(vectors[0] @ vectors[2]) + 0.3
    assert np.allclose(first.encode_query(texts[0]), vectors[0])


def test_a_text_without_words_still_gets_a_unit_vector() -> None:
    vector = HashEncoder(16).encode_query("   ")
    assert vector.shape == (16,) and abs(float(np.linalg.norm(vector)) - 1.0) < 1e-5
    assert HashEncoder(16).encode([]).shape == (0, 16)


def test_counts_calls_texts_and_batches() -> None:
    encoder, seen = HashEncoder(), []
    encoder.encode(["a", "b", "c"], on_batch=lambda done, total: seen.append((done, total)))
    encoder.encode_query("d")
    assert (encoder.calls, encoder.texts_encoded, seen) == (2, 4, [(3, 3)])
    assert encoder.count_tokens("Minsk, 2024: trade.") == 6


def test_an_index_records_it_and_is_served_by_it_again() -> None:
    built = HashEncoder.with_second()
    recorded = ModelInfo.of(built)
    assert recorded.name == "citesearch/hash-64" and recorded.second is not None
    served = encoder_by_name(recorded.name, recorded.second.name)
    assert ModelInfo.of(served) == recorded
    assert np.array_equal(served.encode(["trade"]), built.encode(["trade"]))


@pytest.mark.parametrize(
    ("name", "second"),
    [("citesearch/hash-x", None), ("nobody/model", None), ("citesearch/hash-64", "other/model")],
)
def test_unknown_names_are_refused(name: str, second: str | None) -> None:
    with pytest.raises(ValueError):
        encoder_by_name(name, second)
