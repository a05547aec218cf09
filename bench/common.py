"""What every benchmark shares: timing statistics, tables, machine facts, memory, JSON results.

Latencies are wall-clock seconds from ``time.perf_counter``; a table shows milliseconds. A ratio
is always taken against a reference measured in the same process and run, never against a figure
from another machine or day.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import platform
import resource
import socket
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

RESULTS_DIR = Path(__file__).resolve().parent / "results"
REPO_ROOT = Path(__file__).resolve().parents[1]
CORPUS_DIR = REPO_ROOT / "corpus"
VASWANI_DIR = REPO_ROOT.parent / "shared" / "benchmarks" / "vaswani"

T = TypeVar("T")


@dataclass(frozen=True)
class Stats:
    """Summary of repeated measurements (seconds)."""

    n: int
    mean: float
    median: float
    p95: float
    p99: float
    min: float
    max: float

    @classmethod
    def of(cls, samples: Sequence[float]) -> Stats:
        """Statistics of at least one sample; percentiles interpolate linearly (numpy's default)."""
        if not samples:
            raise ValueError("no samples to summarise")
        values = np.asarray(samples, dtype=np.float64)
        p50, p95, p99 = np.percentile(values, [50, 95, 99])
        return cls(
            n=len(values),
            mean=float(values.mean()),
            median=float(p50),
            p95=float(p95),
            p99=float(p99),
            min=float(values.min()),
            max=float(values.max()),
        )

    @property
    def per_second(self) -> float:
        """Calls per second for one caller (the inverse of the mean)."""
        return 1.0 / self.mean if self.mean > 0 else float("inf")


def time_calls(
    fn: Callable[[T], object], items: Sequence[T], *, repeats: int = 1, warmup: int = 0
) -> list[float]:
    """Seconds taken by ``fn(item)`` for each item, ``repeats`` passes over ``items``.

    The first ``warmup`` items are called once beforehand and not timed (caches, lazy imports).
    """
    for item in items[:warmup]:
        fn(item)
    samples = []
    for _ in range(repeats):
        for item in items:
            start = time.perf_counter()
            fn(item)
            samples.append(time.perf_counter() - start)
    return samples


def time_calls_cpu(
    fn: Callable[[T], object], items: Sequence[T], *, repeats: int = 1
) -> tuple[list[float], list[float]]:
    """Wall seconds and CPU seconds (this process, all threads) of each ``fn(item)``.

    On a machine shared with other work, wall time grows with the load while CPU time of a
    single-threaded call stays close to what an idle machine would show.
    """
    wall, cpu = [], []
    for _ in range(repeats):
        for item in items:
            start, start_cpu = time.perf_counter(), time.process_time()
            fn(item)
            cpu.append(time.process_time() - start_cpu)
            wall.append(time.perf_counter() - start)
    return wall, cpu


def timed(fn: Callable[[], T]) -> tuple[float, T]:
    """Seconds taken by one call, and what it returned."""
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def ratio(value: float, reference: float) -> float | None:
    """``value / reference``, or None when the reference is zero or missing."""
    if not reference or not np.isfinite(reference):
        return None
    return value / reference


# ---- memory ----------------------------------------------------------------------------------


def peak_rss_mb() -> float:
    """This process's peak resident memory so far (MiB; Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_mb(pid: int | None = None) -> float:
    """Current resident memory of a process (MiB), from /proc; this process by default."""
    status = Path(f"/proc/{pid or 'self'}/status").read_text(encoding="utf-8")
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


# ---- the machine -----------------------------------------------------------------------------


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024**2, 1)
    except OSError:
        pass
    return None


def _version(package: str) -> str | None:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def machine_info() -> dict[str, Any]:
    """Cores, memory, CPU model and the versions of the libraries that set the figures."""
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "cpu_model": _cpu_model(),
        "cores": os.cpu_count(),
        "cores_usable": usable,
        "memory_gib": _memory_gib(),
        "load_average_1_5_15": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "libraries": {
            name: _version(name)
            for name in (
                "numpy",
                "faiss-cpu",
                "bm25s",
                "rank-bm25",
                "torch",
                "sentence-transformers",
                "fastapi",
                "uvicorn",
                "httpx",
            )
        },
    }


def machine_line(info: dict[str, Any] | None = None) -> str:
    """One line describing the machine, printed above every table."""
    info = info or machine_info()
    load = info.get("load_average_1_5_15")
    return (
        f"machine: {info['cpu_model']}, {info['cores_usable']} cores, "
        f"{info['memory_gib']} GiB, Python {info['python']}"
        + (f"; load average now {load[0]:.1f} (1 min), {load[1]:.1f} (5 min)" if load else "")
    )


# ---- tables and results ------------------------------------------------------------------------


def fmt(value: object, digits: int = 3) -> str:
    """A number as a table cell: ``digits`` significant figures, thousands separated."""
    if value is None:
        return "-"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if isinstance(value, float) and not np.isfinite(value):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if value == 0:
        return "0"
    magnitude = abs(value)
    if magnitude >= 10 ** (digits - 1):
        return f"{value:,.0f}"
    decimals = max(0, digits - 1 - int(np.floor(np.log10(magnitude))))
    return f"{value:.{decimals}f}"


@dataclass
class Table:
    """A titled table printed as Markdown and stored in the JSON result as rows of dicts."""

    title: str
    headers: list[str]
    rows: list[list[object]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, *cells: object) -> None:
        if len(cells) != len(self.headers):
            raise ValueError(f"{self.title}: {len(cells)} cells for {len(self.headers)} columns")
        self.rows.append(list(cells))

    def render(self) -> str:
        cells = [[fmt(c) for c in row] for row in self.rows]
        widths = [
            max([len(h)] + [len(row[i]) for row in cells]) for i, h in enumerate(self.headers)
        ]
        lines = [f"### {self.title}", ""]
        lines.append(
            "| " + " | ".join(h.ljust(w) for h, w in zip(self.headers, widths, strict=True)) + " |"
        )
        lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
        for row in cells:
            lines.append(
                "| " + " | ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)) + " |"
            )
        lines += [""] + [f"- {note}" for note in self.notes]
        return "\n".join(lines).rstrip() + "\n"

    def to_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "rows": [dict(zip(self.headers, row, strict=True)) for row in self.rows],
            "notes": self.notes,
        }


def _json_default(value: object) -> object:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Stats):
        return asdict(value)
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def write_result(
    name: str,
    tables: Iterable[Table],
    data: dict[str, Any],
    *,
    out_dir: Path = RESULTS_DIR,
    argv: Sequence[str] | None = None,
) -> Path:
    """Write ``<out_dir>/<name>.json``: machine, arguments, tables and raw figures."""
    out_dir.mkdir(parents=True, exist_ok=True)
    payload = {
        "benchmark": name,
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "argv": list(argv if argv is not None else sys.argv[1:]),
        "machine": machine_info(),
        "tables": [t.to_json() for t in tables],
        "data": data,
    }
    path = out_dir / f"{name}.json"
    path.write_text(json.dumps(payload, indent=1, default=_json_default), encoding="utf-8")
    return path


def report(name: str, tables: Sequence[Table], data: dict[str, Any], out_dir: Path) -> Path:
    """Print the tables and write the JSON result; returns the JSON path."""
    print(machine_line())
    for table in tables:
        print()
        print(table.render(), end="")
    path = write_result(name, tables, data, out_dir=out_dir)
    print(f"\nwrote {path}")
    return path


def base_parser(description: str) -> argparse.ArgumentParser:
    """An argument parser with the options every benchmark takes."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--out-dir", type=Path, default=RESULTS_DIR, help="where the JSON result goes"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the synthetic data")
    return parser


def set_threads(threads: int | None) -> None:
    """Threads for torch and FAISS here and, through OMP_NUM_THREADS, in child processes."""
    if threads is None:
        return
    import faiss
    import torch

    os.environ["OMP_NUM_THREADS"] = str(threads)
    torch.set_num_threads(threads)
    faiss.omp_set_num_threads(threads)


def thread_settings() -> dict[str, Any]:
    """The intra-op thread counts in force (torch, FAISS) and OMP_NUM_THREADS."""
    import faiss
    import torch

    return {
        "torch": torch.get_num_threads(),
        "faiss": faiss.omp_get_max_threads(),
        "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS"),
    }


# ---- processes -------------------------------------------------------------------------------


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def citesearch_command() -> list[str]:
    """How to run the ``citesearch`` CLI of this environment."""
    script = Path(sys.executable).parent / "citesearch"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from api.cli import main; sys.exit(main())"]


def offline_env() -> dict[str, str]:
    """The environment for child processes: no model hub lookups, no tokenizer thread fan-out."""
    env = dict(os.environ)
    env.update(
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        TOKENIZERS_PARALLELISM="false",
        PYTHONPATH=os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")])),
    )
    return env
