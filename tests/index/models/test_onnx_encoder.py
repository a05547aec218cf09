"""Queries embedded by ONNX Runtime get torch's vectors and rankings; without an export, torch."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from eval.runner import all_chunks
from index.models.embedder import Embedder
from index.models.onnx_encoder import OnnxEncoder, export, onnx_path, pools_by_mean
from index.stores.factory import open_reader

pytestmark = pytest.mark.model

REPO = Path(__file__).resolve().parents[3]


def questions(n: int = 50) -> list[str]:
    """Questions of the set, English and Russian."""
    lines = (REPO / "eval" / "data" / "qa.jsonl").read_text(encoding="utf-8").splitlines()
    items = [json.loads(line) for line in lines if line.strip()]
    russian = [i["question"] for i in items if i.get("lang") == "ru"]
    english = [i["question"] for i in items if i.get("lang", "en") == "en"]
    return english[: n - 10] + russian[:10]


@pytest.fixture(scope="module")
def e5_pair() -> tuple[Embedder, Embedder]:
    """e5 with its queries on ONNX Runtime, and on torch (no second model: MiniLM is not asked)."""
    onnx = Embedder(query_runtime="onnx", second=None)
    torch = Embedder(query_runtime="torch", second=None)
    return onnx, torch


def test_e5_queries_on_onnx_runtime_are_torchs_vectors_and_rankings(
    e5_pair: tuple[Embedder, Embedder], model_corpus_index: Path
) -> None:
    onnx, torch = e5_pair
    assert (onnx.query_runtime, torch.query_runtime) == ("onnx", "torch")
    asked = questions()
    fast = np.stack([onnx.encode_query(q) for q in asked])
    slow = np.stack([torch.encode_query(q) for q in asked])
    assert fast.dtype == np.float32 and fast.shape == (50, 384)
    np.testing.assert_allclose(np.linalg.norm(fast, axis=1), 1.0, atol=1e-5)
    assert float((fast * slow).sum(axis=1).min()) > 0.99999
    # Rankings over the corpus's passages (the e5 vectors the session's index stored for them,
    # made by torch with the same weights) are the same.
    with open_reader(model_corpus_index) as store:
        assert store.model.weights_hash == torch.weights_hash
        chunk_ids = [chunk.chunk_id for chunk in all_chunks(store)]
        passages = store.chunk_vectors(chunk_ids)
    assert passages.shape == (len(chunk_ids), 384) and len(chunk_ids) > 150
    for a, b in zip(fast @ passages.T, slow @ passages.T, strict=True):
        assert list(np.argsort(-a)[:10]) == list(np.argsort(-b)[:10])


def test_an_export_written_now_gives_the_torch_vectors(tmp_path: Path) -> None:
    minilm = Embedder(model="minilm", query_runtime="torch")
    path = export(minilm.torch_model()[0].auto_model, minilm.tokenizer, tmp_path / "model.onnx")
    assert path.is_file() and not list(tmp_path.glob("*.partial"))
    encoder = OnnxEncoder(path, minilm.tokenizer, minilm.max_seq_length, threads=1)
    asked = questions(12)
    np.testing.assert_allclose(
        encoder.encode(asked), np.stack([minilm.encode_query(q) for q in asked]), atol=1e-5
    )


def test_without_an_export_queries_run_on_torch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # MiniLM's files come from its package, so an empty models directory only hides the export.
    monkeypatch.setenv("CITESEARCH_MODELS_DIR", str(tmp_path))
    fallback = Embedder(model="minilm")
    assert fallback.query_runtime == "torch"
    assert not onnx_path(fallback.model_path, fallback.weights_hash).exists()
    assert fallback.encode_query("trade with Pakistan").shape == (384,)
    with pytest.raises(FileNotFoundError, match="make setup"):
        Embedder(model="minilm", query_runtime="onnx").encode_query("trade")


def test_only_a_mean_pooled_model_is_run_on_onnx(tmp_path: Path) -> None:
    assert pools_by_mean(Embedder(model="minilm", query_runtime="torch").model_path)
    pooling = tmp_path / "1_Pooling"
    pooling.mkdir()
    (pooling / "config.json").write_text(
        json.dumps({"pooling_mode_cls_token": True, "pooling_mode_mean_tokens": False})
    )
    assert not pools_by_mean(tmp_path)
    assert not pools_by_mean(tmp_path / "missing")


def test_a_query_only_embedder_never_loads_the_torch_model(
    e5_pair: tuple[Embedder, Embedder],
) -> None:
    fresh = Embedder(query_runtime="onnx")
    fresh.encode_query("Which dairy shipped its first products to Libya?")
    fresh.count_tokens("passage text to cut")
    assert fresh._torch is None  # a server answering questions holds one copy of the weights
