"""The Dask embedding benchmark runs at a tiny size and reports both rates, their ratio and parity.

No timing is asserted (the ratio depends on the machine and its load); what is checked is what a
reader relies on: the table, the JSON figures, and vectors identical to one process's.
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


def test_dask_benchmark_reports_the_ratio_against_one_process(tmp_path: Path) -> None:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT)}
    args = ["--passages", "200", "--runs", "1", "--model", "minilm", "--out-dir", str(tmp_path)]
    done = subprocess.run(
        [sys.executable, "-m", "bench.dask_embedding", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "### Dask embedding, 200 short passages, minilm" in done.stdout
    data = json.loads((tmp_path / "dask-embedding.json").read_text())["data"]
    assert data["passages"] == 200 and data["workers"] == 2
    assert data["single_median_per_s"] > 0 and data["dask_median_per_s"] > 0
    assert data["ratio"] == data["dask_median_per_s"] / data["single_median_per_s"]
    assert data["identical"] is True
