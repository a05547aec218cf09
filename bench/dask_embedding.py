"""Dask embedding: passages/s on a LocalCluster against one process, measured in the same run.

The passages are short runs of real text (``bench.passages``). One process embeds them with
``Embedder.encode`` at torch's default thread count (all cores); then a LocalCluster of
``--workers`` processes of one thread each, bound to 127.0.0.1, embeds them with
``DaskEmbedder.encode``. Each side is warmed up (model loaded, one batch embedded) and timed
``--runs`` times; the figure is the median passages/s, and the ratio is Dask's over one
process's. The cluster's start-up (processes, imports, a model per worker) is timed apart.

On one machine the workers share the cores one process already uses with its threads, so the
ratio says what the fan-out costs (tasks, pickling, a model per worker) more than what it gains;
the gain comes from workers on other machines (``citesearch index --dask tcp://...``).

Run: ``python -m bench.dask_embedding [--passages 2000] [--runs 3] [--model e5]``.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from bench.common import Stats, Table, base_parser, report
from bench.passages import short_passages
from index.models.dask_embedder import DaskEmbedder, dask_client
from index.models.embedder import Embedder
from index.models.specs import ModelChoice


def _per_second(encode: Any, passages: list[str], runs: int) -> tuple[list[float], np.ndarray]:
    """passages/s of each run, and the vectors of the last one."""
    encode(passages[:64])  # warm-up: lazy imports, the first batch's allocations
    rates, vectors = [], np.zeros(0)
    for _ in range(runs):
        start = time.perf_counter()
        vectors = encode(passages)
        rates.append(len(passages) / (time.perf_counter() - start))
    return rates, vectors


def measure(model: ModelChoice, n: int, runs: int, workers: int) -> dict[str, Any]:
    """Both sides' passages/s, the cluster's start-up, and whether the vectors are identical."""
    import torch

    passages = short_passages(n)
    single_rates, single_vectors = _per_second(Embedder(model=model).encode, passages, runs)
    start = time.perf_counter()
    with dask_client(f"local:{workers}") as client:
        embedder = DaskEmbedder(client, model=model)
        startup_s = time.perf_counter() - start
        dask_rates, dask_vectors = _per_second(embedder.encode, passages, runs)
    single, dask = Stats.of(single_rates), Stats.of(dask_rates)
    return {
        "model": model,
        "passages": n,
        "runs": runs,
        "workers": workers,
        "single_threads": torch.get_num_threads(),
        "single_per_s": single_rates,
        "dask_per_s": dask_rates,
        "single_median_per_s": single.median,
        "dask_median_per_s": dask.median,
        "ratio": dask.median / single.median,
        "cluster_startup_s": startup_s,
        "identical": bool(np.array_equal(single_vectors, dask_vectors)),
        "max_abs_diff": float(np.abs(single_vectors - dask_vectors).max()),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = base_parser(__doc__.splitlines()[0] if __doc__ else "dask embedding")
    parser.add_argument("--passages", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--model", choices=["e5", "minilm"], default="e5")
    args = parser.parse_args(argv)
    data = measure(args.model, args.passages, args.runs, args.workers)
    table = Table(
        f"Dask embedding, {data['passages']:,} short passages, {data['model']}",
        ["how", "passages/s (median)", "runs", "vs one process"],
    )
    table.add(
        f"one process, {data['single_threads']} torch threads",
        data["single_median_per_s"],
        data["runs"],
        1.0,
    )
    table.add(
        f"LocalCluster, {data['workers']} workers x 1 thread",
        data["dask_median_per_s"],
        data["runs"],
        data["ratio"],
    )
    table.notes.append(
        f"cluster start-up (processes and a model per worker) {data['cluster_startup_s']:.1f} s, "
        "not in the rates; vectors identical to one process's: "
        f"{data['identical']} (max |diff| {data['max_abs_diff']:.1e})"
    )
    report("dask-embedding", [table], data, args.out_dir)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
