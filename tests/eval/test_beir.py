"""Loading the Vaswani collection in BEIR's layout, and refusing broken collections clearly."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from eval.beir import load_beir

VASWANI = Path(__file__).resolve().parents[3] / "shared" / "benchmarks" / "vaswani"


def test_vaswani_loads_with_its_published_counts() -> None:
    data = load_beir(VASWANI)
    assert len(data.corpus) == 11_429
    assert len(data.queries) == 93
    assert sum(len(docs) for docs in data.qrels.values()) == 2_083
    assert data.queries.keys() == data.qrels.keys()
    # Every judged document is in the corpus, and the texts are the abstracts themselves.
    assert all(doc in data.corpus for docs in data.qrels.values() for doc in docs)
    assert data.corpus["1"] == (
        "",
        "compact memories have flexible capacities a digital data storage system with capacity up "
        "to bits and random and or sequential access is described",
    )
    assert data.queries["1"] == (
        "measurement of dielectric constant of liquids by the use of microwave techniques"
    )


@pytest.fixture
def small_collection(tmp_path: Path) -> Path:
    """A three-document BEIR folder in which one query has no judgment."""
    (tmp_path / "qrels").mkdir()
    (tmp_path / "corpus.jsonl").write_text(
        '{"_id": "a", "title": "Budget", "text": "The deficit grew."}\n'
        '{"_id": "b", "text": "No title here."}\n'
        "\n"
        '{"_id": "c", "title": null, "text": "Null title."}\n'
    )
    (tmp_path / "queries.jsonl").write_text(
        '{"_id": "1", "text": "deficit"}\n{"_id": "2", "text": "unjudged"}\n'
    )
    (tmp_path / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\n1\ta\t2\n1\tb\t0\n")
    shutil.copy(tmp_path / "qrels" / "test.tsv", tmp_path / "qrels" / "dev.tsv")
    return tmp_path


def test_only_judged_queries_are_kept(small_collection: Path) -> None:
    data = load_beir(small_collection)
    assert data.queries == {"1": "deficit"}
    assert data.qrels == {"1": {"a": 2, "b": 0}}
    assert data.corpus == {
        "a": ("Budget", "The deficit grew."),
        "b": ("", "No title here."),
        "c": ("", "Null title."),
    }


@pytest.mark.parametrize("missing", ["corpus.jsonl", "queries.jsonl", "qrels/test.tsv"])
def test_a_missing_file_is_named(small_collection: Path, missing: str) -> None:
    (small_collection / missing).unlink()
    with pytest.raises(ValueError, match="no such file") as error:
        load_beir(small_collection)
    assert missing.split("/")[-1] in str(error.value)


def test_a_missing_split_is_named(small_collection: Path) -> None:
    assert load_beir(small_collection, split="dev").queries == {"1": "deficit"}
    with pytest.raises(ValueError, match=r"qrels/train\.tsv: no such file"):
        load_beir(small_collection, split="train")


@pytest.mark.parametrize(
    ("file", "line", "message"),
    [
        ("corpus.jsonl", '{"_id": "d", "text": "cut off\n', r"corpus\.jsonl:5: not valid JSON"),
        ("corpus.jsonl", '{"_id": "d"}\n', r"corpus\.jsonl:5: missing string field 'text'"),
        ("corpus.jsonl", '["d", "text"]\n', r"corpus\.jsonl:5: expected a JSON object"),
        ("corpus.jsonl", '{"_id": "a", "text": "again"}\n', r"corpus\.jsonl:5: id 'a' appears"),
        ("queries.jsonl", '{"_id": 3, "text": "x"}\n', r"queries\.jsonl:3: missing string field"),
        ("qrels/test.tsv", "1\tc\tvery\n", r"test\.tsv:4: relevance is not an integer"),
        ("qrels/test.tsv", "9\tc\t1\n", r"test\.tsv: judges queries missing from .*queries"),
    ],
)
def test_a_malformed_line_is_named(
    small_collection: Path, file: str, line: str, message: str
) -> None:
    with (small_collection / file).open("a") as out:
        out.write(line)
    with pytest.raises(ValueError, match=message):
        load_beir(small_collection)
