"""Embedding models: passages/s on the corpus chunks and single-query latency, torch and ONNX.

Compares all-MiniLM-L6-v2 with multilingual-e5-small, each on torch and on ONNX Runtime (the
product embeds queries with it, both models' since MiniLM is the second model beside e5:
``index.models.onnx_encoder``). The corpus is chunked as the index
chunks it, with each model's own ``count_tokens``, at about 200 word pieces (the chunker's
default; MiniLM reads 256) and, for e5 (512), about 450. Passages are embedded in batches sorted
by length; queries are 50 questions of the QA set, each embedded alone, at the default thread
count and at one thread (on a machine shared with other work, torch's two threads wait on each
other at every operator: one e5 query took 3.3 s at two threads and 175 ms at one, here under a
load average of 20).

The ONNX model is the one ``make setup`` exports (``index.models.onnx_encoder``; exported here if
missing); ONNX Runtime runs the encoder, and mean pooling and normalisation are done in numpy as
the sentence-transformers modules do them. Its vectors are compared with
torch's (min cosine) and its query rankings over the chunks (top-10 overlap).

Run: ``python -m bench.embedding --chunks 64`` (20 minutes on 2 cores under a load average of
20; without ``--chunks``, every chunk).
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from bench.common import CORPUS_DIR, REPO_ROOT, Stats, Table, base_parser, report
from index.ingest.metadata import load_manifest
from index.models.embedder import Embedder
from index.models.onnx_encoder import OnnxEncoder
from index.models.onnx_export import export_for
from index.parse import parse_file
from index.text.chunk import chunk_document

QA_FILE = REPO_ROOT / "eval" / "data" / "qa.jsonl"
N_QUERIES = 50


def corpus_chunks(count_tokens: Any, max_tokens: int) -> list[str]:
    """The corpus's chunk texts, cut with a model's word-piece count."""
    manifest = load_manifest(CORPUS_DIR)
    texts: list[str] = []
    for path in sorted(CORPUS_DIR.glob("*.txt")):
        doc = parse_file(path, manifest.get(path.stem))
        texts += [c.text for c in chunk_document(doc, count_tokens, max_tokens=max_tokens)]
    return texts


def spread(texts: list[str], n: int) -> list[str]:
    """``n`` texts evenly spaced through the list (all of them when ``n`` is 0 or more)."""
    if n <= 0 or n >= len(texts):
        return texts
    return [texts[i] for i in np.linspace(0, len(texts) - 1, n).round().astype(int)]


def questions(n: int = N_QUERIES) -> list[str]:
    lines = QA_FILE.read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["question"] for line in lines if line.strip()][:n]


class OnnxModel:
    """A model's encoder under ONNX Runtime (``index.models.onnx_encoder``), for passages as well as the
    queries the product runs on it."""

    def __init__(self, embedder: Embedder, threads: int = 2) -> None:
        self._embedder = embedder
        self._encoder = OnnxEncoder(
            export_for(embedder), embedder.tokenizer, embedder.max_seq_length, threads
        )

    def encode(self, texts: Sequence[str], batch_size: int = 16) -> np.ndarray:
        prefix = self._embedder.passage_prefix
        order = np.argsort([-len(t) for t in texts], kind="stable")
        out = np.empty((len(texts), self._embedder.dimension), dtype=np.float32)
        for start in range(0, len(texts), batch_size):
            rows = order[start : start + batch_size]
            out[rows] = self._encoder.encode([prefix + texts[i] for i in rows])
        return out

    def encode_query(self, text: str) -> np.ndarray:
        return self._encoder.encode([self._embedder.query_prefix + text])[0]


def passages_per_second(
    encode: Any, texts: list[str], batch_size: int
) -> tuple[float, float, np.ndarray]:
    """Texts/s in wall time and in this process's CPU time, and the vectors."""
    encode(texts[:batch_size], batch_size)  # warm-up: allocations, lazy kernels
    start, start_cpu = time.perf_counter(), time.process_time()
    vectors = encode(texts, batch_size)
    wall, cpu = time.perf_counter() - start, time.process_time() - start_cpu
    return len(texts) / wall, len(texts) / cpu, vectors


def query_latency(encode_query: Any, queries: list[str]) -> tuple[Stats, np.ndarray]:
    encode_query("warm-up question about trade")
    samples, vectors = [], []
    for q in queries:
        start = time.perf_counter()
        vectors.append(encode_query(q))
        samples.append(time.perf_counter() - start)
    return Stats.of(samples), np.vstack(vectors)


def main(argv: Sequence[str] | None = None) -> int:
    parser = base_parser(__doc__.splitlines()[0])
    parser.add_argument("--batch-sizes", default="16,32", help="comma-separated")
    parser.add_argument("--no-onnx", action="store_true")
    parser.add_argument(
        "--chunks", type=int, default=0, help="time this many chunks, evenly spread (0: all)"
    )
    args = parser.parse_args(argv)
    batch_sizes = [int(b) for b in args.batch_sizes.split(",")]
    queries = questions()
    have_onnx = not args.no_onnx  # onnxruntime is a dependency: queries run on it

    # The torch rows embed queries with torch too (the product's default is ONNX when exported).
    minilm, e5 = Embedder(model="minilm", query_runtime="torch"), Embedder(query_runtime="torch")
    runs: list[tuple[str, Any, Any, Embedder, list[int]]] = [
        ("MiniLM torch", minilm.encode, minilm.encode_query, minilm, [200]),
        ("e5 torch", e5.encode, e5.encode_query, e5, [200, 450]),
    ]
    onnx_export_s = None
    if have_onnx:
        start = time.perf_counter()
        onnx, onnx_minilm = OnnxModel(e5), OnnxModel(minilm)
        onnx_export_s = time.perf_counter() - start
        runs.append(("e5 ONNX Runtime", onnx.encode, onnx.encode_query, e5, [200, 450]))
        runs.append(
            ("MiniLM ONNX Runtime", onnx_minilm.encode, onnx_minilm.encode_query, minilm, [200])
        )

    speed = Table(
        "Passages per second on the corpus chunks (2 cores)",
        [
            "model",
            "chunk budget",
            "chunks",
            "median pieces",
            "batch",
            "passages/s",
            "passages/CPU-s",
        ],
    )
    latency = Table(
        f"Single-query latency, {len(queries)} QA questions",
        ["model", "threads", "p50 ms", "p95 ms", "mean ms"],
    )
    data: dict[str, Any] = {"onnx_export_s": onnx_export_s, "speed": [], "latency": []}
    vectors: dict[tuple[str, int, int], np.ndarray] = {}
    query_vectors: dict[str, np.ndarray] = {}
    chunk_sets = {
        (id(emb), budget): spread(corpus_chunks(emb.count_tokens, budget), args.chunks)
        for _, _, _, emb, budgets in runs
        for budget in budgets
    }
    import torch

    threads = torch.get_num_threads()
    for name, encode, encode_query, emb, budgets in runs:
        stats, query_vectors[name] = query_latency(encode_query, queries)
        latency.add(name, threads, stats.median * 1e3, stats.p95 * 1e3, stats.mean * 1e3)
        data["latency"].append({"model": name, "threads": threads, "stats": stats})
        if name.endswith("torch"):
            torch.set_num_threads(1)
            one, _ = query_latency(encode_query, queries)
            torch.set_num_threads(threads)
        else:
            one, _ = query_latency(OnnxModel(emb, threads=1).encode_query, queries)
        latency.add(name, 1, one.median * 1e3, one.p95 * 1e3, one.mean * 1e3)
        data["latency"].append({"model": name, "threads": 1, "stats": one})
        for budget in budgets:
            texts = chunk_sets[(id(emb), budget)]
            pieces = float(np.median([emb.count_tokens(t) for t in texts]))
            for batch in batch_sizes:
                wall, cpu, vecs = passages_per_second(encode, texts, batch)
                vectors[(name, budget, batch)] = vecs
                speed.add(name, budget, len(texts), pieces, batch, wall, cpu)
                data["speed"].append(
                    {
                        "model": name,
                        "budget": budget,
                        "batch": batch,
                        "per_s": wall,
                        "per_cpu_s": cpu,
                    }
                )
                print(f"{name} budget {budget} batch {batch}: {wall:.2f} passages/s", flush=True)

    tables = [speed, latency]
    if have_onnx:
        agreement = Table(
            "ONNX Runtime against torch",
            [
                "model",
                "chunk budget",
                "min cosine passages",
                "min cosine queries",
                "top-10 overlap",
            ],
        )
        for model, budget in (("e5", 200), ("e5", 450), ("MiniLM", 200)):
            a = vectors[(f"{model} torch", budget, batch_sizes[0])]
            b = vectors[(f"{model} ONNX Runtime", budget, batch_sizes[0])]
            qa, qb = query_vectors[f"{model} torch"], query_vectors[f"{model} ONNX Runtime"]
            k = min(10, len(a))  # --chunks below 10 ranks fewer
            top_a = np.argsort(-(qa @ a.T), axis=1)[:, :k]
            top_b = np.argsort(-(qb @ b.T), axis=1)[:, :k]
            overlap = np.mean([len(set(x) & set(y)) / k for x, y in zip(top_a, top_b, strict=True)])
            agreement.add(
                model,
                budget,
                float(np.min(np.sum(a * b, axis=1))),
                float(np.min(np.sum(qa * qb, axis=1))),
                float(overlap),
            )
        tables.append(agreement)
    report("embedding", tables, data, args.out_dir)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
