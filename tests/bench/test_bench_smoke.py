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

ROOT = Path(__file__).resolve().parents[2]


def _run(module: str, out_dir: Path, *args: str) -> str:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", module, *args, "--out-dir", str(out_dir)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
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
