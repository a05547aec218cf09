"""TREC run and qrels files, and BEIR tsv qrels: round trips, trec_eval's reading, clear errors."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import pytrec_eval

from eval.metrics import Qrels, Run, evaluate
from eval.trec import (
    read_beir_qrels,
    read_qrels,
    read_run,
    write_beir_qrels,
    write_qrels,
    write_run,
)

VASWANI_QRELS = Path(__file__).resolve().parents[3] / "shared/benchmarks/vaswani/qrels/test.tsv"

RUN: Run = {
    "q1": {"d1": 0.1 + 0.2, "d2": 2.5, "d3": 2.5, "d10": -1e-300},
    "q2": {"x-9": 1e20, "y_1": 7.0},
}
QRELS: Qrels = {"q1": {"d1": 2, "d3": 0, "d10": 1}, "q2": {"y_1": 1}, "q3": {"z": 3}}


def test_run_round_trips_exactly_and_is_ranked_like_trec_eval(tmp_path: Path) -> None:
    path = tmp_path / "run.txt"
    write_run(RUN, path, tag="bm25")
    assert read_run(path) == RUN
    lines = path.read_text().splitlines()
    # The tie at 2.5 goes to the larger document id first, as trec_eval sorts.
    assert lines[:2] == ["q1 Q0 d3 1 2.5 bm25", "q1 Q0 d2 2 2.5 bm25"]
    assert lines[2] == "q1 Q0 d1 3 0.30000000000000004 bm25"


def test_qrels_round_trip_in_both_formats(tmp_path: Path) -> None:
    write_qrels(QRELS, tmp_path / "qrels.txt")
    assert read_qrels(tmp_path / "qrels.txt") == QRELS
    write_beir_qrels(QRELS, tmp_path / "test.tsv")
    assert (tmp_path / "test.tsv").read_text().splitlines()[:2] == [
        "query-id\tcorpus-id\tscore",
        "q1\td1\t2",
    ]
    assert read_beir_qrels(tmp_path / "test.tsv") == QRELS


def test_vaswani_qrels_survive_conversion_to_trec_format(tmp_path: Path) -> None:
    qrels = read_beir_qrels(VASWANI_QRELS)
    assert len(qrels) == 93
    assert sum(len(docs) for docs in qrels.values()) == 2083
    write_qrels(qrels, tmp_path / "vaswani.qrels")
    assert read_qrels(tmp_path / "vaswani.qrels") == qrels


def test_written_files_score_the_same_with_pytrec_eval(tmp_path: Path) -> None:
    write_run(RUN, tmp_path / "run.txt")
    write_qrels(QRELS, tmp_path / "qrels.txt")
    with (tmp_path / "run.txt").open() as run_file, (tmp_path / "qrels.txt").open() as qrels_file:
        run = pytrec_eval.parse_run(run_file)
        qrels = pytrec_eval.parse_qrel(qrels_file)
    reference = pytrec_eval.RelevanceEvaluator(qrels, {"ndcg_cut.10"}).evaluate(run)
    # q3 is judged but not in the run: it counts as 0 in our mean.
    expected = (reference["q1"]["ndcg_cut_10"] + reference["q2"]["ndcg_cut_10"] + 0.0) / 3
    assert evaluate(read_run(tmp_path / "run.txt"), QRELS, ["ndcg@10"])["ndcg@10"] == (
        pytest.approx(expected, abs=1e-12)
    )


@pytest.mark.parametrize(
    ("reader", "text", "message"),
    [
        (read_run, "q1 Q0 d1 1 0.5\n", "expected 6 fields"),
        (read_run, "q1 Q0 d1 1 high run\n", "score is not a number"),
        (read_run, "q1 Q0 d1 1 0.5 run\nq1 Q0 d1 2 0.4 run\n", "listed twice"),
        (read_qrels, "q1 0 d1\n", "expected 4 fields"),
        (read_qrels, "q1 0 d1 yes\n", "relevance is not an integer"),
        (read_qrels, "q1 0 d1 1\nq1 0 d1 0\n", "judged twice"),
        (read_beir_qrels, "q1\td1\t1\n", "expected the header"),
        (read_beir_qrels, "", "empty file"),
        (read_beir_qrels, "query-id\tcorpus-id\tscore\nq1 d1 1\n", "expected 'query-id"),
    ],
)
def test_malformed_files_are_refused_with_file_and_line(
    tmp_path: Path, reader: Callable[[Path], object], text: str, message: str
) -> None:
    path = tmp_path / "bad.txt"
    path.write_text(text)
    with pytest.raises(ValueError, match=message) as error:
        reader(path)
    assert str(path) in str(error.value)


def test_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no such file") as error:
        read_run(tmp_path / "absent.run")
    assert "absent.run" in str(error.value)


def test_ids_with_spaces_cannot_be_written(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="document id 'a b'"):
        write_run({"q1": {"a b": 1.0}}, tmp_path / "run.txt")
