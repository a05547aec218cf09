"""Indexing: chunks/s on the corpus, time per stage, peak memory, re-indexing after one edit,
and what batch size, sorting by length, torch threads and int8 quantization do to embedding speed.

The corpus is copied to a temporary directory, so one file can be changed without touching the
repository. Peak memory is this process's ``ru_maxrss`` right after the first build (model
loaded, corpus parsed, embedded and written), so run this benchmark in its own process (as
``bench.run_all`` does).

Run: ``python -m bench.indexing``.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import tempfile
import time
import warnings
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import torch

from bench.common import (
    CORPUS_DIR,
    Stats,
    Table,
    base_parser,
    peak_rss_mb,
    ratio,
    report,
    timed,
)
from bench.e2e import corpus_queries
from index.build import BuildReport, build_index
from index.embed import Embedder, default_model_path
from index.embedded_store import EmbeddedStore

EDIT_TARGET = "belarus-new-export-markets.txt"


def _build(corpus: Path, index_dir: Path, embedder: Embedder) -> tuple[float, BuildReport]:
    return timed(lambda: build_index([corpus], index_dir, embedder=embedder))


def incremental(corpus: Path, index_dir: Path, embedder: Embedder, edits: int) -> dict[str, Any]:
    """Re-index after nothing changed, after a touch (mtime only), and after editing one file."""
    out: dict[str, Any] = {}
    seconds, rep = _build(corpus, index_dir, embedder)
    out["nothing changed"] = {"seconds": [seconds], "embedded": rep.chunks_embedded}
    target = corpus / EDIT_TARGET
    os.utime(target)
    seconds, rep = _build(corpus, index_dir, embedder)
    out["touched, same content"] = {"seconds": [seconds], "embedded": rep.chunks_embedded}
    runs, embedded, reused = [], [], []
    for i in range(edits):
        with target.open("a", encoding="utf-8") as f:
            f.write(f"\n\nAn added closing paragraph, edit number {i + 1}, for the benchmark.\n")
        seconds, rep = _build(corpus, index_dir, embedder)
        runs.append(seconds)
        embedded.append(rep.chunks_embedded)
        reused.append(rep.chunks_reused)
        out.setdefault("stages", []).append(rep.seconds)
    out["one file edited"] = {"seconds": runs, "embedded": embedded, "reused": reused}
    return out


# ---- embedding speed ---------------------------------------------------------------------------


def _sentence_transformer(quantized: bool = False) -> Any:
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(default_model_path()), device="cpu")
    if quantized:
        # Dynamic int8 quantization of the Linear layers: torch only, no extra package.
        # torch 2.x warns that this API moves to torchao; it still works, and torchao is not
        # a dependency.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = torch.ao.quantization.quantize_dynamic(
                model, {torch.nn.Linear}, dtype=torch.qint8
            )
    return model


def encode_batches(model: Any, texts: Sequence[str], batch_size: int, sort: bool) -> np.ndarray:
    """Texts batch by batch, sorted longest first or in the order given (as Embedder does)."""
    order = np.argsort([-len(t) for t in texts], kind="stable") if sort else np.arange(len(texts))
    out = np.empty((len(texts), model.get_embedding_dimension()), dtype=np.float32)
    for start in range(0, len(texts), batch_size):
        rows = order[start : start + batch_size]
        out[rows] = model.encode(
            [texts[i] for i in rows],
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
    return out


def embedding_speed(
    embedder: Embedder, texts: list[str], queries: list[str], repeats: int
) -> list[dict[str, Any]]:
    """texts/s for each setting on the same texts; the first row (Embedder.encode) is the reference."""
    plain = _sentence_transformer()
    default_threads = torch.get_num_threads()
    reference_vectors = embedder.encode(texts)  # warm-up, and the vectors others are compared to

    def setting(
        name: str, fn: Callable[[], np.ndarray], threads: int = default_threads
    ) -> dict[str, Any]:
        torch.set_num_threads(threads)
        try:
            samples, vectors = [], None
            for _ in range(repeats):
                seconds, vectors = timed(fn)
                samples.append(seconds)
        finally:
            torch.set_num_threads(default_threads)
        assert vectors is not None
        cosine = np.sum(vectors * reference_vectors, axis=1)
        stats = Stats.of(samples)
        print(f"embedding, {name}: {len(texts) / stats.median:.1f} texts/s", flush=True)
        return {
            "setting": name,
            "threads": threads,
            "seconds": stats,
            "texts_per_s": len(texts) / stats.median,
            "min_cosine_to_reference": float(cosine.min()),
        }

    rows = [setting("Embedder.encode (store), batch 64, sorted", lambda: embedder.encode(texts))]
    for batch in (16, 32, 128):
        rows.append(
            setting(f"batch {batch}, sorted", partial(encode_batches, plain, texts, batch, True))
        )
    rows.append(
        setting("batch 64, document order", lambda: encode_batches(plain, texts, 64, False))
    )
    rows.append(
        setting(
            "batch 64, sorted, 1 torch thread",
            lambda: encode_batches(plain, texts, 64, True),
            threads=1,
        )
    )
    quantized = _sentence_transformer(quantized=True)
    row = setting(
        "batch 64, sorted, int8 dynamic quantization",
        lambda: encode_batches(quantized, texts, 64, True),
    )
    row["dense_top10_overlap"] = _retrieval_agreement(plain, quantized, texts, queries)
    rows.append(row)
    return rows


def _retrieval_agreement(plain: Any, quantized: Any, texts: list[str], queries: list[str]) -> float:
    """Mean overlap of the dense top-10 over the chunks, float32 model vs the int8 one."""
    overlaps = []
    docs_a = encode_batches(plain, texts, 64, True)
    docs_b = encode_batches(quantized, texts, 64, True)
    q_a = encode_batches(plain, queries, 64, True)
    q_b = encode_batches(quantized, queries, 64, True)
    for a, b in zip(q_a, q_b, strict=True):
        top_a = set(np.argsort(-(docs_a @ a))[:10].tolist())
        top_b = set(np.argsort(-(docs_b @ b))[:10].tolist())
        overlaps.append(len(top_a & top_b) / 10)
    return float(np.mean(overlaps))


def onnx_note() -> str:
    """Whether an ONNX runtime could be measured here."""
    have = [m for m in ("onnxruntime", "optimum") if importlib.util.find_spec(m) is not None]
    if len(have) == 2:
        return "onnxruntime and optimum are installed but not measured here"
    return (
        "ONNX not measured: onnxruntime/optimum are not dependencies of the project and the "
        "model package ships no .onnx file (an export would need them installed); int8 dynamic "
        "quantization with torch alone is measured instead"
    )


# ---- tables ------------------------------------------------------------------------------------


def tables(data: dict[str, Any]) -> list[Table]:
    full = data["full_build"]
    total = full["seconds"]
    build = Table(
        f"Indexing the corpus: {full['documents']} documents, {full['chunks']} chunks",
        ["stage", "seconds", "share"],
    )
    for stage, seconds in full["stages"].items():
        build.add(stage, seconds, ratio(seconds, total))
    build.add("total (build_index)", total, 1.0)
    build.notes += [
        f"{full['chunks'] / total:.1f} chunks/s end to end; embedding alone "
        f"{full['chunks'] / full['stages'].get('embed', total):.1f} chunks/s",
        f"model load (Embedder()) {data['model_load_s']:.1f} s, not included; peak resident "
        f"memory of the process after the build {data['peak_rss_mb']:,.0f} MiB",
    ]

    inc = data["incremental"]
    again = Table(
        "Re-indexing the corpus (incremental)",
        ["change", "p50 s", "runs", "chunks embedded", "vs full build"],
    )
    for change in ("nothing changed", "touched, same content", "one file edited"):
        entry = inc[change]
        p50 = float(np.median(entry["seconds"]))
        embedded = entry["embedded"]
        again.add(
            change,
            p50,
            len(entry["seconds"]),
            embedded if isinstance(embedded, int) else int(np.median(embedded)),
            ratio(p50, total),
        )
    again.notes.append(
        f"edits append a paragraph to {EDIT_TARGET}; its other chunks come from the vector cache"
    )

    speed = Table(
        f"Embedding speed on {data['embed_texts']} of the {full['chunks']} corpus chunks",
        ["setting", "texts/s", "vs store", "median s", "min cosine to store's vectors"],
    )
    reference = data["embedding"][0]["texts_per_s"]
    for row in data["embedding"]:
        speed.add(
            row["setting"],
            row["texts_per_s"],
            ratio(row["texts_per_s"], reference),
            row["seconds"].median,
            row["min_cosine_to_reference"],
        )
    quant = data["embedding"][-1]
    speed.notes += [
        f"int8: dense top-10 over the chunks for the {data['queries']} eval questions overlaps "
        f"the float32 model's by {quant['dense_top10_overlap']:.2f} on average",
        data["onnx"],
        f"torch threads by default: {data['torch_threads']}",
    ]
    return [build, again, speed]


def main(argv: Sequence[str] | None = None) -> int:
    parser = base_parser(__doc__.splitlines()[0] if __doc__ else "indexing benchmark")
    parser.add_argument("--edits", type=int, default=3, help="re-index runs after an edit")
    parser.add_argument("--embed-repeats", type=int, default=1)
    parser.add_argument(
        "--embed-texts",
        type=int,
        default=128,
        help="corpus chunks the embedding settings are timed on (default 128; 0 = all)",
    )
    args = parser.parse_args(argv)
    data: dict[str, Any] = {"torch_threads": torch.get_num_threads()}
    with tempfile.TemporaryDirectory(prefix="citesearch-bench-") as tmp:
        corpus = Path(tmp) / "corpus"
        shutil.copytree(CORPUS_DIR, corpus)
        index_dir = Path(tmp) / "index"
        data["model_load_s"], embedder = timed(Embedder)
        started = time.perf_counter()
        rep = build_index([corpus], index_dir, embedder=embedder)
        data["full_build"] = {
            "seconds": time.perf_counter() - started,
            "stages": rep.seconds,
            "documents": len(rep.added),
            "chunks": rep.chunks_total,
        }
        data["peak_rss_mb"] = peak_rss_mb()
        print(f"full build: {rep.chunks_total} chunks, {rep.seconds}", flush=True)
        data["incremental"] = incremental(corpus, index_dir, embedder, args.edits)
        with EmbeddedStore.open(index_dir) as store:
            texts = [
                c.text for info in store.documents() for c in store.chunks_of(info.meta.doc_id)
            ]
    queries = corpus_queries()
    data["queries"] = len(queries)
    if args.embed_texts:
        # Every other chunk up to the limit: the sample keeps the corpus's mix of lengths.
        step = max(1, len(texts) // args.embed_texts)
        texts = texts[::step][: args.embed_texts]
    data["embed_texts"] = len(texts)
    data["embedding"] = embedding_speed(embedder, texts, queries, args.embed_repeats)
    data["onnx"] = onnx_note()
    report("indexing", tables(data), data, args.out_dir)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
