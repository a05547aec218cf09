"""The benchmark scripts run end to end at a tiny size and report what they measured.

No timing is asserted (figures depend on the machine); what a reader relies on is checked: the
table is printed, the JSON result is written, and the BM25 reference agrees with our index.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]


def _run(module: str, out_dir: Path, *args: str) -> str:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", module, *args, "--out-dir", str(out_dir)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_bm25_benchmark_reports_speed_and_identical_top10(tmp_path: Path) -> None:
    out = _run(
        "bench.bm25",
        tmp_path,
        "--no-vaswani",
        "--sizes",
        "2000",
        "--queries",
        "20",
        "--reference-queries",
        "10",
        "--repeats",
        "1",
    )
    assert "### BM25 stage" in out and "| synthetic-2k" in out
    result = json.loads((tmp_path / "bm25.json").read_text())
    (row,) = result["data"]["results"]
    assert row["docs"] == 2000
    # Same tokens and the same Lucene formula on both sides: the rankings must agree.
    assert row["parity"]["identical"] == row["parity"]["queries"] == 10
    assert result["machine"]["cores"] >= 1


def test_dense_benchmark_reports_recall_against_exact(tmp_path: Path) -> None:
    out = _run(
        "bench.dense", tmp_path, "--size", "3000", "--queries", "20", "--kinds", "flat", "ivf"
    )
    assert "### Dense stage" in out and "IVF-Flat, nprobe=32" in out
    rows = json.loads((tmp_path / "dense.json").read_text())["data"]["rows"]
    exact = next(r for r in rows if r["kind"] == "flat")
    assert exact["recall_at_10"] == 1.0  # the reference finds itself
    assert all(0.0 <= r["recall_at_10"] <= 1.0 and r["bytes"] > 0 for r in rows)


def test_e2e_benchmark_times_unseen_questions_apart_from_repeats(tmp_path: Path) -> None:
    out = _run(
        "bench.e2e",
        tmp_path,
        "--synthetic",
        "2000",
        "--threads",
        "1",
        "--queries",
        "6",
        "--warmup",
        "2",
        "--load-seconds",
        "0.5",
        "--concurrency",
        "2",
    )
    assert "unseen questions, each asked once" in out and "### Repeated questions" in out
    data = json.loads((tmp_path / "e2e-large.json").read_text())["data"]
    sets = data["questions"]
    assert sets["hybrid k=10"] == sets["hybrid k=100"] == 6 and sets["warm-up"] == 2
    unseen = data["in_process"]["unseen"]
    assert unseen["hybrid k=10"]["wall_s"]["n"] == 6  # each question once
    assert unseen["hybrid k=100"]["k"] == 100 and unseen["bm25 k=10"]["mode"] == "bm25"
    assert data["http"]["unseen"]["hybrid k=10"]["errors"] == 0
    assert data["http"]["repeated"]["hybrid k=10"]["latency_s"]["n"] == 6
    assert {g["figure"] for g in data["goals"]} >= {"k=100 p50 / k=10 p50, in-process"}
    assert all(run["errors"] == 0 for run in data["load"])


@pytest.mark.slow
def test_indexing_benchmark_reports_build_time_and_passages_per_second(tmp_path: Path) -> None:
    out = _run("bench.indexing", tmp_path, "--edits", "1", "--passages", "16")
    assert "### Indexing the corpus from scratch" in out and "### Passages per second" in out
    data = json.loads((tmp_path / "indexing.json").read_text())["data"]
    rows = {(r["model"], r["kind"]) for r in data["passages"]}
    assert rows == {(m, k) for m in ("minilm", "e5") for k in ("chunks", "sentences")}
    assert data["full_build"]["chunks"] > 0 and data["full_build"]["sentences_embedded"] > 0
