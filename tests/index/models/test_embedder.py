"""The embedder gives unit vectors that put paraphrases together, and counts word pieces."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from index.models.embedder import Embedder
from index.models.specs import MODELS


@pytest.fixture(scope="module")
def e5(model_embedder: Embedder) -> Embedder:
    """The session's e5 (with MiniLM beside it, as ``Embedder()`` makes it)."""
    return model_embedder


@pytest.fixture(scope="module")
def minilm(model_embedder: Embedder) -> Embedder:
    """The session's MiniLM: ``Embedder()``'s second model is ``Embedder(model="minilm")``."""
    assert model_embedder.second is not None
    return model_embedder.second


@pytest.fixture(scope="module", params=["e5", "minilm"])
def embedder(request: pytest.FixtureRequest, e5: Embedder, minilm: Embedder) -> Embedder:
    return e5 if request.param == "e5" else minilm


def test_model_identity(e5: Embedder, minilm: Embedder) -> None:
    assert e5.model == "e5"
    assert e5.model_name == "intfloat/multilingual-e5-small"
    assert (e5.dimension, e5.max_seq_length) == (384, 512)
    assert minilm.model_name == "sentence-transformers/all-MiniLM-L6-v2"
    assert (minilm.dimension, minilm.max_seq_length) == (384, 256)
    for embedder in (e5, minilm):
        assert len(embedder.weights_hash) == 64
        assert embedder.weights_hash == embedder.weights_hash
    # The index manifest records name and weights: an index of one model refuses the other.
    assert e5.model_name != minilm.model_name
    assert e5.weights_hash != minilm.weights_hash


def test_unknown_model_and_missing_conversion_say_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="minilm"):
        Embedder(model="bge")  # type: ignore[arg-type]
    with pytest.raises(FileNotFoundError, match="not found"):
        Embedder(model_path=tmp_path)


def test_missing_e5_conversion_points_to_setup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CITESEARCH_MODELS_DIR", str(tmp_path))
    with pytest.raises(FileNotFoundError, match=r"make setup.*python -m index\.models\.e5_convert"):
        Embedder()


def test_vectors_are_unit_length_float32(embedder: Embedder) -> None:
    texts = ["Belarus exports potash.", "", "Минск и Исламабад подписали соглашение." * 40]
    vectors = embedder.encode(texts)
    assert vectors.dtype == np.float32
    assert vectors.shape == (3, 384)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_paraphrase_is_closer_than_unrelated(minilm: Embedder) -> None:
    anchor, paraphrase, unrelated = minilm.encode(
        [
            "Belarus sold more tractors to Pakistan last year.",
            "Last year Pakistan bought more Belarusian tractors.",
            "The recipe calls for two cups of flour and an egg.",
        ]
    )
    assert anchor @ paraphrase > anchor @ unrelated + 0.3


def test_e5_finds_the_passage_across_languages(e5: Embedder) -> None:
    # e5's cosines sit in a narrow band (0.7-0.9), so the check is on the ranking, not a margin.
    english = e5.encode(
        [
            "Belarus sold more tractors to Pakistan last year.",
            "The recipe calls for two cups of flour and an egg.",
            "Minsk and Islamabad signed a deal on potash fertiliser supplies.",
        ]
    )
    russian = e5.encode(
        [
            "В прошлом году Беларусь продала Пакистану больше тракторов.",
            "Для рецепта нужны два стакана муки и яйцо.",
            "Минск и Исламабад подписали соглашение о поставках калийных удобрений.",
        ]
    )
    tractors_ru = e5.encode_query("Какие тракторы Пакистан купил у Беларуси?")
    potash_en = e5.encode_query("potash fertiliser agreement between Belarus and Pakistan")
    assert (english @ tractors_ru).argmax() == 0
    assert (russian @ potash_en).argmax() == 2


def test_e5_prefixes_passages_and_queries(e5: Embedder) -> None:
    assert (e5.passage_prefix, e5.query_prefix) == ("passage: ", "query: ")
    assert (MODELS["minilm"].passage_prefix, MODELS["minilm"].query_prefix) == ("", "")
    text = "Minsk and Islamabad signed a trade deal."
    as_passage, as_query = e5.encode([text])[0], e5.encode_query(text)
    # the same text read as a query and as a passage: close, but not the same vector
    assert 0.8 < float(as_passage @ as_query) < 0.999
    # what the model gives for the prefixed texts
    raw = e5._model.encode(["passage: " + text, "query: " + text], normalize_embeddings=True)
    np.testing.assert_allclose(raw, np.vstack([as_passage, as_query]), atol=1e-5)


def test_minilm_reads_no_prefix(minilm: Embedder) -> None:
    text = "Minsk and Islamabad signed a trade deal."
    np.testing.assert_allclose(minilm.encode([text])[0], minilm.encode_query(text), atol=1e-6)


def test_a_query_of_several_sentences_is_the_mean_of_its_sentences(embedder: Embedder) -> None:
    first = "What problems are there in making up descriptive titles?"
    second = "How relevant is the content of articles to their titles?"
    whole = embedder.encode_query(f"{first} {second}")
    mean = embedder.encode_query(first) + embedder.encode_query(second)
    np.testing.assert_allclose(whole, mean / np.linalg.norm(mean), atol=1e-5)
    assert whole.dtype == np.float32 and abs(float(np.linalg.norm(whole)) - 1.0) < 1e-5
    # One sentence, or an acronym's full stops, is one text as before.
    calls, texts = embedder.calls, embedder.texts_encoded
    embedder.encode_query("Did the U.S. Senate ratify it?")
    assert (embedder.calls - calls, embedder.texts_encoded - texts) == (1, 1)


def test_batches_sorted_by_length_come_back_in_the_order_given(embedder: Embedder) -> None:
    texts = [f"{'word ' * n}number {n}" for n in (50, 2, 30, 1, 80, 7)]
    together = embedder.encode(texts, batch_size=2)
    one_by_one = np.vstack([embedder.encode([t]) for t in texts])
    np.testing.assert_allclose(together, one_by_one, atol=1e-5)


def test_counters_count_model_work(embedder: Embedder) -> None:
    calls, texts = embedder.calls, embedder.texts_encoded
    embedder.encode(["one", "two", "three"])
    embedder.encode([])
    embedder.encode_query("four")
    assert (embedder.calls - calls, embedder.texts_encoded - texts) == (2, 4)


def test_threads_sharing_one_embedder_get_the_serial_vectors(e5: Embedder) -> None:
    # Texts of different lengths, and token counting (the chunker) beside encoding (requests):
    # without the lock, one thread's count turns off the padding another's batch relies on, and
    # encoding fails ("expected sequence of length 47 at dim 1 (got 36)"; seen 1 run in 3).
    jobs = [[f"{'trade ' * (3 * i + j)}deal {i}" for j in range(1, 12, 2)] for i in range(1, 9)]
    serial = [e5.encode(texts, batch_size=4) for texts in jobs]
    queries = [e5.encode_query(texts[0]) for texts in jobs]
    counts = [[e5.count_tokens(t) for t in texts] for texts in jobs]

    def work(i: int) -> tuple[np.ndarray, np.ndarray, list[int]]:
        texts = jobs[i]
        return (
            e5.encode(texts, batch_size=4),
            e5.encode_query(texts[0]),
            [e5.count_tokens(t) for t in texts * 10],
        )

    for _ in range(3):
        with ThreadPoolExecutor(max_workers=4) as pool:
            results = list(pool.map(work, range(len(jobs))))
        for (passages, query, counted), i in zip(results, range(len(jobs)), strict=True):
            np.testing.assert_allclose(passages, serial[i], atol=1e-5)
            np.testing.assert_allclose(query, queries[i], atol=1e-5)
            assert counted == counts[i] * 10


def test_count_tokens_uses_the_model_word_pieces(minilm: Embedder) -> None:
    # the, quick, brown, fox, jumps, over, the, lazy, dog, "." — no [CLS]/[SEP]
    assert minilm.count_tokens("The quick brown fox jumps over the lazy dog.") == 10
    # Unknown words split into several pieces; counting is not cut at the model's limit.
    assert minilm.count_tokens("Lukashenka") > 1
    assert minilm.count_tokens("trade " * 1000) == 1000


def test_e5_count_tokens_includes_the_passage_prefix(e5: Embedder) -> None:
    # "▁passage", ":", then the text's pieces: ▁The ▁quick ▁brown ▁ fox ▁jump s ▁over ▁the ▁la zy
    # ▁dog . — no <s>/</s>
    assert e5.count_tokens("The quick brown fox jumps over the lazy dog.") == 2 + 13
    assert e5.count_tokens(" ".join(["trade"] * 1000)) == 2 + 1000
    # What the model reads: a passage of max_seq_length - 2 counted pieces is read whole.
    text = " ".join(["trade"] * (e5.max_seq_length - 2 - 2))
    assert e5.count_tokens(text) == e5.max_seq_length - 2
    features = e5._model.tokenize([e5.passage_prefix + text])
    assert features["input_ids"].shape[1] == e5.max_seq_length
    assert int(features["input_ids"][0, -1]) == 2  # </s>: nothing was cut
