"""The embedding model is chosen at index time, recorded in the index, and used by search."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

import index.models.embedder
from api.cli import main
from index.stores.factory import recorded_model

POTASH = "Potash from Belarus goes to India and China by rail and by sea.\n"
TRACTORS = (
    "Belarusian tractors are assembled in Pakistan. The plant makes ten thousand a year.\n\n"
    + POTASH
)


@pytest.fixture(autouse=True)
def _models_loaded_once(
    monkeypatch: pytest.MonkeyPatch, shared_embedder: Callable[..., object]
) -> None:
    """``citesearch index --model X --second-model Y`` builds ``Embedder(X, second=Y)``: here the
    worker's one instance of that choice, so the weights are read once, not once per command."""
    monkeypatch.setattr(index.models.embedder, "Embedder", shared_embedder)


def _corpus(tmp_path: Path, doc_id: str, text: str) -> Path:
    """A corpus folder of one text file."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / f"{doc_id}.txt").write_text(text, encoding="utf-8")
    return corpus


def _recorded_name(index_dir: Path) -> str | None:
    model = recorded_model(index_dir)
    return model.name if model is not None else None


def test_an_index_built_with_minilm_is_searched_with_minilm(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = _corpus(tmp_path, "tractors", TRACTORS)
    index_dir = tmp_path / "index"
    assert main(["index", str(corpus), "--index-dir", str(index_dir), "--model", "minilm"]) == 0
    assert _recorded_name(index_dir) == "sentence-transformers/all-MiniLM-L6-v2"
    capsys.readouterr()
    # No --model at search time: the index says which model embeds the question.
    assert (
        main(["search", "where are tractors assembled", "--index-dir", str(index_dir), "--json"])
        == 0
    )
    result = json.loads(capsys.readouterr().out)
    assert result["results"][0]["doc_id"] == "tractors"
    # Re-indexing without --model keeps the index's model (nothing to redo).
    assert main(["index", str(corpus), "--index-dir", str(index_dir), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["unchanged"] == ["tractors"] and report["chunks_embedded"] == 0
    assert _recorded_name(index_dir) == "sentence-transformers/all-MiniLM-L6-v2"


def test_an_index_from_other_code_is_refused_or_rebuilt_on_request(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = _corpus(tmp_path, "potash", POTASH)
    index_dir = tmp_path / "index"
    assert main(["index", str(corpus), "--index-dir", str(index_dir), "--model", "minilm"]) == 0
    # What an index written by an older citesearch looks like: another tokenizer recorded.
    manifest_path = index_dir / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["tokenizer"] = "an-older-tokenizer/1"
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    capsys.readouterr()

    assert main(["index", str(corpus), "--index-dir", str(index_dir)]) == 1
    err = capsys.readouterr().err
    assert "BM25 tokenizer an-older-tokenizer/1" in err and "--rebuild" in err
    assert "Traceback" not in err

    args = ["index", str(corpus), "--index-dir", str(index_dir), "--rebuild-if-stale", "--json"]
    assert main(args) == 0
    captured = capsys.readouterr()
    assert "rebuilding from scratch" in captured.err
    assert json.loads(captured.out)["added"] == ["potash"]
    assert _recorded_name(index_dir) == "sentence-transformers/all-MiniLM-L6-v2"
    # Now current: the next run is an ordinary incremental one.
    assert main(args) == 0
    assert json.loads(capsys.readouterr().out)["unchanged"] == ["potash"]


def test_the_second_model_is_recorded_searched_and_kept(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = _corpus(tmp_path, "tractors", TRACTORS)
    index_dir = tmp_path / "index"
    base = ["index", str(corpus), "--index-dir", str(index_dir)]
    assert main(base) == 0  # the defaults: e5, and MiniLM beside it
    recorded = recorded_model(index_dir)
    assert recorded is not None and recorded.name == "intfloat/multilingual-e5-small"
    assert recorded.second is not None
    assert recorded.second.name == "sentence-transformers/all-MiniLM-L6-v2"
    capsys.readouterr()
    question = ["search", "where are tractors assembled", "--index-dir", str(index_dir), "--json"]
    assert main(question) == 0
    top = json.loads(capsys.readouterr().out)["results"][0]
    assert top["doc_id"] == "tractors" and set(top["scores"]) == {"bm25", "dense", "minilm"}
    # Re-indexing keeps the index's second model; another one needs a rebuild.
    assert main([*base, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["unchanged"] == ["tractors"]
    assert main([*base, "--second-model", "none"]) == 1
    assert "--rebuild" in capsys.readouterr().err
    assert main([*base, "--second-model", "none", "--rebuild"]) == 0
    recorded = recorded_model(index_dir)
    assert recorded is not None and recorded.second is None
    capsys.readouterr()
    assert main(question) == 0
    assert set(json.loads(capsys.readouterr().out)["results"][0]["scores"]) <= {"bm25", "dense"}
    assert main([*base, "--second-model", "e5"]) == 2  # not a second opinion of itself


def test_an_index_from_before_the_second_model_is_searched_with_two_lists(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = _corpus(tmp_path, "potash", POTASH)
    index_dir = tmp_path / "index"
    assert (
        main(["index", str(corpus), "--index-dir", str(index_dir), "--second-model", "none"]) == 0
    )
    # The manifest as citesearch wrote it before there was a second model: no "second" at all.
    manifest_path = index_dir / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    del manifest["model"]["second"]
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    recorded = recorded_model(index_dir)
    assert recorded is not None and recorded.second is None
    capsys.readouterr()
    assert main(["search", "potash to India", "--index-dir", str(index_dir), "--json"]) == 0
    top = json.loads(capsys.readouterr().out)["results"][0]
    assert top["doc_id"] == "potash" and set(top["scores"]) == {"bm25", "dense"}
