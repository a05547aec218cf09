"""Fusion defaults chosen across collections: every setting scored on lists fetched once.

For each collection (the question set, BEIR collections) and each query, the BM25 and dense
top-``max(depths)`` lists are fetched once, through the searcher's store and embedder (the calls
``Searcher`` makes). Each fusion setting then cuts them to its depth and fuses them with
``retrieval.fusion``, the functions the searcher calls, and the fused ranking is scored. What
this leaves out, near-duplicate merging, only moves a merged copy to sit behind its original, so
the figures are the runner's (``eval.runner``) on collections without near-duplicates, and within
the odd merged passage elsewhere (``tests/eval/test_sweep.py`` holds them to each other).

Settings: BM25 alone, dense alone, RRF with each ``k``, weighted min-max with each dense weight,
each at each fusion depth, with and without pseudo-relevance feedback (the dense lists searched
again, through the store, for the query vectors moved toward the first ranking's top passages, as
``Searcher`` does), and the same fusions with a per-query rule: a query written in Cyrillic (no
BM25 term of it can match the English reports) is ranked by the dense list alone.

Selection: each setting's nDCG@10 on each collection and their mean; the best setting by mean; and
leave-one-collection-out: for each collection, the setting with the best mean over the others,
scored on the one left out, beside the best any setting reaches there.

    python -m eval.sweep --qa eval/data/qa.jsonl --beir ../shared/benchmarks/vaswani \\
        --beir ../shared/benchmarks/cisi --out eval/out
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal, get_args

import numpy as np

from eval.beir import load_beir
from eval.beir_index import ensure_beir_index
from eval.metrics import Qrels, evaluate
from eval.qa import QAItem, load_questions
from eval.report import column_header
from eval.runner import all_chunks, qa_qrels, rank_scores
from index.models.embedder import Embedder
from index.models.encoder import Encoder
from index.models.specs import ModelChoice
from retrieval.feedback import FEEDBACK_PASSAGES, FEEDBACK_WEIGHT, FIRST_MODEL, feedback_lists
from retrieval.fusion import reciprocal_rank_fusion, weighted_score_fusion
from retrieval.search import Searcher, open_searcher

Ranked = list[tuple[str, float]]
"""(chunk id, score) pairs, best first."""

Feedback = Callable[[Sequence[str]], tuple[Ranked, "Ranked | None"]]
"""A query's dense and second lists searched again, for these top passages (feedback)."""

Method = Literal["bm25", "dense", "second", "rrf", "weighted"]

RRF_KS: tuple[int, ...] = (10, 20, 40, 60, 100)
DENSE_WEIGHTS: tuple[float, ...] = (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)
DEPTHS: tuple[int, ...] = (20, 50, 100, 200)
SECOND_SHARES: tuple[float, ...] = (0.0, 0.25, 0.5, 0.75)
FEEDBACKS: tuple[int, ...] = (0, FEEDBACK_PASSAGES)
SELECTION_METRIC = "ndcg@10"
QA_METRICS = ("ndcg@10", "recall@5", "mrr@10")
BEIR_METRICS = ("ndcg@10",)


@dataclass(frozen=True)
class FusionSetting:
    """One way to rank a query from its lists (BM25, dense, and the second model's).

    ``parameter`` is RRF's k or the dense weight; ``depth`` how many of each list are fused;
    ``cyrillic_dense`` ranks a query written in Cyrillic by the dense list alone;
    ``second_share`` is the second model's part of the dense weight (RRF: its list is fused
    when it is above 0), as ``SearchOptions.second_share``; ``feedback`` the passages of the
    first fused ranking that move the query vectors (``SearchOptions.feedback_passages``).
    """

    method: Method
    parameter: float | None = None
    depth: int = 50
    cyrillic_dense: bool = False
    second_share: float = 0.0
    feedback: int = 0

    def __post_init__(self) -> None:
        if self.method not in get_args(Method):
            raise ValueError(f"method must be one of {get_args(Method)}, not {self.method!r}")
        if (self.method in ("rrf", "weighted")) != (self.parameter is not None):
            raise ValueError(f"{self.method}: a parameter is given for rrf and weighted only")
        if self.method == "weighted" and not 0.0 <= float(self.parameter or 0.0) <= 1.0:
            raise ValueError("a dense weight is between 0 and 1")
        if self.depth < 1:
            raise ValueError("depth must be positive")
        if not 0.0 <= self.second_share <= 1.0:
            raise ValueError("a second model's share is between 0 and 1")
        if self.feedback < 0 or (self.feedback and self.method not in ("rrf", "weighted")):
            raise ValueError("feedback is 0 or more passages, for a fusion")

    @property
    def name(self) -> str:
        """``rrf-k60-d50``, ``weighted-0.3-d50+cyr-dense``, ``weighted-0.6-d200+second0.5``..."""
        if self.method == "rrf":
            base = f"rrf-k{self.parameter:g}-d{self.depth}"
            base += "+second" if self.second_share > 0 else ""
        elif self.method == "weighted":
            base = f"weighted-{self.parameter:g}-d{self.depth}"
            base += f"+second{self.second_share:g}" if self.second_share > 0 else ""
        else:
            base = self.method
        base += f"+prf{self.feedback}" if self.feedback else ""
        return base + ("+cyr-dense" if self.cyrillic_dense else "")


def default_settings(
    rrf_ks: Sequence[int] = RRF_KS,
    dense_weights: Sequence[float] = DENSE_WEIGHTS,
    depths: Sequence[int] = DEPTHS,
    *,
    cyrillic_rule: bool = True,
    second_shares: Sequence[float] = SECOND_SHARES,
    feedbacks: Sequence[int] = FEEDBACKS,
) -> list[FusionSetting]:
    """Each retriever alone, then every fusion at every depth, each with and without the rule,
    with each share of the second model (``second_shares``: (0.0,) when there is none) and
    each number of feedback passages.

    A retriever alone does not depend on the depth (its top 10 is its top 10 at any depth).
    """
    alone: list[Method] = ["bm25", "dense"]
    alone += ["second"] if max(second_shares) > 0 else []
    settings = [FusionSetting(method, depth=max(depths)) for method in alone]
    rules = (False, True) if cyrillic_rule else (False,)
    rrf_shares = sorted({0.0, *(1.0 for share in second_shares if share > 0)})
    for rule in rules:
        for depth in depths:
            settings += [
                FusionSetting("rrf", float(k), depth, rule, share, feedback)
                for feedback in feedbacks
                for share in rrf_shares
                for k in rrf_ks
            ]
            settings += [
                FusionSetting("weighted", w, depth, rule, share, feedback)
                for feedback in feedbacks
                for share in second_shares
                for w in dense_weights
            ]
    return settings


def is_cyrillic(text: str) -> bool:
    """True when most letters of ``text`` are Cyrillic.

    >>> is_cyrillic("Какие страны граничат с Беларусью?"), is_cyrillic("BelAZ в Чили")
    (True, False)
    """
    letters = [ch for ch in text if ch.isalpha()]
    cyrillic = sum(1 for ch in letters if "\u0400" <= ch <= "\u04ff")
    return cyrillic * 2 > len(letters)


def fuse(
    setting: FusionSetting,
    query: str,
    bm25: Ranked,
    dense: Ranked,
    second: Ranked | None = None,
    feedback: Feedback | None = None,
) -> Ranked:
    """A query's ranking under ``setting``, as ``Searcher`` ranks it before merging duplicates.

    BM25 alone drops chunks that score 0 (they share no term with the query), as the searcher
    does; fusions keep every chunk any list returned. ``second``: the second model's list (a
    setting with a second share needs it). ``feedback``: the dense lists searched again for the
    first ranking's top passages (a setting with feedback needs it); the lists are fused again,
    unless the rule ranks the query by the dense list alone.
    """
    ranked = _fuse_once(setting, query, bm25, dense, second)
    by_meaning = setting.cyrillic_dense and is_cyrillic(query)
    if not setting.feedback or not ranked or by_meaning:
        return ranked
    if feedback is None:
        raise ValueError(f"{setting.name} needs the feedback lists")
    dense, moved_second = feedback([cid for cid, _ in ranked[: setting.feedback]])
    return _fuse_once(setting, query, bm25, dense, moved_second if second is not None else None)


def _fuse_once(
    setting: FusionSetting, query: str, bm25: Ranked, dense: Ranked, second: Ranked | None
) -> Ranked:
    bm25, dense = bm25[: setting.depth], dense[: setting.depth]
    method = setting.method
    if setting.cyrillic_dense and is_cyrillic(query):
        method = "dense"
    uses_second = method == "second" or (method in ("rrf", "weighted") and setting.second_share > 0)
    if uses_second and second is None:
        raise ValueError(f"{setting.name} needs the second model's list")
    lists = {"bm25": bm25, "dense": dense}
    if uses_second and second is not None:
        lists["second"] = second[: setting.depth]
    if method == "bm25":
        return [pair for pair in bm25 if pair[1] > 0]
    if method in ("dense", "second"):
        return list(lists[method])
    if method == "rrf":
        rankings = {name: [c for c, _ in pairs] for name, pairs in lists.items()}
        return reciprocal_rank_fusion(rankings, k=int(setting.parameter or 60))
    weight, share = float(setting.parameter or 0.0), setting.second_share
    weights = {"bm25": 1.0 - weight, "dense": weight * (1.0 - share), "second": weight * share}
    return weighted_score_fusion(lists, weights)


# ---- collections ------------------------------------------------------------------------------


@dataclass
class Collection:
    """One test collection with each query's two lists, fetched once."""

    name: str
    queries: dict[str, str]
    qrels: Qrels
    bm25: dict[str, Ranked]
    dense: dict[str, Ranked]
    metrics: tuple[str, ...] = BEIR_METRICS
    subsets: dict[str, list[str]] = field(default_factory=dict)
    """Named groups of query ids scored on their own as well (``ru``: the Russian questions)."""
    fetch_seconds: float = 0.0
    second: dict[str, Ranked] | None = None
    """The second model's lists, when the index holds its vectors."""
    feedback: dict[str, Feedback] = field(default_factory=dict)
    """Each query's feedback lists (``fuse``), when the collection can search again."""


def fetch_lists(
    searcher: Searcher, queries: Mapping[str, str], depth: int
) -> tuple[dict[str, Ranked], dict[str, Ranked], dict[str, Ranked] | None, dict[str, Feedback]]:
    """Each query's BM25, dense and (when the searcher has one) second model's top-``depth``
    lists, by the searcher's store and embedders, and its feedback lists on demand.

    The query is whitespace-normalized as ``Searcher.search`` does; one embedding per query
    and model.
    """
    bm25: dict[str, Ranked] = {}
    dense: dict[str, Ranked] = {}
    feedback: dict[str, Feedback] = {}
    second_model = searcher.embedder.second if searcher.second_name is not None else None
    second: dict[str, Ranked] | None = {} if second_model is not None else None
    store = searcher.store
    for qid, text in queries.items():
        query = " ".join(text.split())
        bm25[qid] = [(s.chunk_id, s.score) for s in store.bm25_search(query, depth)]
        vector = searcher.embedder.encode_query(query)
        dense[qid] = [(s.chunk_id, s.score) for s in store.vector_search(vector, depth)]
        second_vector = None
        if second is not None and second_model is not None:
            second_vector = second_model.encode_query(query)
            found = store.second_vector_search(second_vector, depth)
            second[qid] = [(s.chunk_id, s.score) for s in found]
        feedback[qid] = _feedback_lists(searcher, vector, second_vector, depth)
    return bm25, dense, second, feedback


def _feedback_lists(
    searcher: Searcher, vector: np.ndarray, second_vector: np.ndarray | None, depth: int
) -> Feedback:
    """The searcher's second search (``retrieval.feedback.feedback_lists``, the searcher's
    weight), remembered per set of top passages (many settings agree on a query's top four)."""
    vectors = {FIRST_MODEL: vector}
    if second_vector is not None:
        vectors["second"] = second_vector
    found: dict[frozenset[str], tuple[Ranked, Ranked | None]] = {}

    def again(top: Sequence[str]) -> tuple[Ranked, Ranked | None]:
        key = frozenset(top)  # the moved vector is a mean: the order of the top does not count
        if key not in found:
            weight = searcher.options.feedback_weight
            lists = feedback_lists(searcher.store, vectors, top, weight, depth)
            found[key] = (lists[FIRST_MODEL], lists.get("second"))
        return found[key]

    return again


def qa_collection(
    searcher: Searcher, questions: Sequence[QAItem], depth: int, name: str = "qa"
) -> Collection:
    """The question set on the corpus index (``eval.runner``'s qrels); each language a subset."""
    started = time.perf_counter()
    queries = {item.id: item.question for item in questions}
    qrels = qa_qrels(questions, all_chunks(searcher.store))
    bm25, dense, second, feedback = fetch_lists(searcher, queries, depth)
    subsets: dict[str, list[str]] = {}
    for item in questions:
        if item.lang != "en":
            subsets.setdefault(item.lang, []).append(item.id)
    return Collection(
        name,
        queries,
        qrels,
        bm25,
        dense,
        QA_METRICS,
        subsets,
        time.perf_counter() - started,
        second,
        feedback,
    )


def beir_collection(
    searcher: Searcher, name: str, queries: Mapping[str, str], qrels: Qrels, depth: int
) -> Collection:
    """A BEIR collection on its index (``eval.beir_index``)."""
    started = time.perf_counter()
    bm25, dense, second, feedback = fetch_lists(searcher, queries, depth)
    return Collection(
        name,
        dict(queries),
        qrels,
        bm25,
        dense,
        fetch_seconds=time.perf_counter() - started,
        second=second,
        feedback=feedback,
    )


# ---- scoring and selection --------------------------------------------------------------------


def score(setting: FusionSetting, collection: Collection) -> dict[str, float]:
    """Mean metrics of ``setting`` on a collection; a subset's as ``<metric>/<subset>``.

    Subsets report recall@10 (whether the answer is among the ten passages shown).
    """
    run = {
        qid: rank_scores(
            [
                cid
                for cid, _ in fuse(
                    setting,
                    text,
                    collection.bm25[qid],
                    collection.dense[qid],
                    collection.second[qid] if collection.second is not None else None,
                    collection.feedback.get(qid),
                )
            ]
        )
        for qid, text in collection.queries.items()
    }
    out = evaluate(run, collection.qrels, list(collection.metrics))
    for subset, ids in collection.subsets.items():
        qrels = {qid: collection.qrels[qid] for qid in ids if qid in collection.qrels}
        sub = evaluate({qid: run[qid] for qid in ids}, qrels, ["recall@10"])
        out[f"recall@10/{subset}"] = sub["recall@10"]
    return out


@dataclass
class SettingScores:
    """One setting's metrics on each collection, and its mean selection metric."""

    setting: FusionSetting
    scores: dict[str, dict[str, float]]  # collection -> metric -> value
    mean: float


@dataclass
class LeaveOneOut:
    """A setting chosen on the other collections, scored on the one held out."""

    held_out: str
    chosen: str
    chosen_score: float
    best: str
    best_score: float


@dataclass
class SweepResult:
    collections: list[str]
    metric: str
    rows: list[SettingScores]
    best: str
    leave_one_out: list[LeaveOneOut]
    notes: list[str] = field(default_factory=list)


def mean_of(row: SettingScores, collections: Iterable[str], metric: str) -> float:
    names = list(collections)
    return sum(row.scores[c][metric] for c in names) / len(names)


def sweep(
    collections: Sequence[Collection],
    settings: Sequence[FusionSetting],
    metric: str = SELECTION_METRIC,
) -> SweepResult:
    """Every setting on every collection; the best by mean, and leave-one-collection-out.

    Ties go to the setting listed first.
    """
    names = [c.name for c in collections]
    rows = []
    for setting in settings:
        scores = {c.name: score(setting, c) for c in collections}
        row = SettingScores(setting, scores, 0.0)
        row.mean = mean_of(row, names, metric)
        rows.append(row)
    best = max(rows, key=lambda r: r.mean)  # max keeps the first of equals
    loco = []
    if len(names) > 1:
        for held in names:
            others = [n for n in names if n != held]
            chosen = max(rows, key=lambda r: mean_of(r, others, metric))
            top = max(rows, key=lambda r: r.scores[held][metric])
            loco.append(
                LeaveOneOut(
                    held,
                    chosen.setting.name,
                    chosen.scores[held][metric],
                    top.setting.name,
                    top.scores[held][metric],
                )
            )
    return SweepResult(names, metric, rows, best.setting.name, loco)


# ---- report -----------------------------------------------------------------------------------


def _columns(result: SweepResult) -> list[tuple[str, str]]:
    """(collection, metric) of each table column, the selection metric first."""
    first = result.rows[0].scores if result.rows else {}
    columns = [(c, result.metric) for c in result.collections]
    for c in result.collections:
        columns += [(c, m) for m in first.get(c, {}) if m != result.metric]
    return columns


def sweep_table(result: SweepResult) -> str:
    """Each setting's figures, best mean first; the best of each column in bold."""
    columns = _columns(result)
    rows = sorted(result.rows, key=lambda r: -r.mean)
    best = {col: max(r.scores[col[0]][col[1]] for r in rows) for col in columns}
    best_mean = max((r.mean for r in rows), default=0.0)

    def cell(value: float, top: float) -> str:
        text = f"{value:.3f}"
        return f"**{text}**" if text == f"{top:.3f}" else text

    header = [
        f"{c} {column_header(m.split('/')[0])}" + (f" ({m.split('/')[1]})" if "/" in m else "")
        for c, m in columns
    ]
    lines = [
        "| setting | " + " | ".join(header) + f" | mean {column_header(result.metric)} |",
        "|---|" + "---:|" * (len(columns) + 1),
    ]
    for r in rows:
        cells = [cell(r.scores[c][m], best[(c, m)]) for c, m in columns]
        lines.append(
            f"| {r.setting.name} | " + " | ".join(cells) + f" | {cell(r.mean, best_mean)} |"
        )
    return "\n".join(lines)


def sweep_markdown(result: SweepResult) -> str:
    """The table, the best setting by mean, and leave-one-collection-out."""
    by_name = {r.setting.name: r for r in result.rows}
    best = by_name[result.best]
    metric = column_header(result.metric)
    parts = [
        f"### Fusion settings across {', '.join(result.collections)} ({len(result.rows)} settings)",
        "",
        f"Best by mean {metric}: **{result.best}** (mean {best.mean:.3f}; "
        + ", ".join(f"{c} {best.scores[c][result.metric]:.3f}" for c in result.collections)
        + ").",
        "",
    ]
    if result.leave_one_out:
        parts += [
            f"Leave one collection out: the setting with the best mean {metric} on the others, "
            "scored on the one held out.",
            "",
            f"| held out | chosen on the others | its {metric} | best there | best {metric} | gap |",
            "|---|---|---:|---|---:|---:|",
        ]
        for lo in result.leave_one_out:
            parts.append(
                f"| {lo.held_out} | {lo.chosen} | {lo.chosen_score:.3f} | {lo.best} | "
                f"{lo.best_score:.3f} | {lo.best_score - lo.chosen_score:.3f} |"
            )
        parts.append("")
    parts += [sweep_table(result), ""]
    parts += [f"- {note}" for note in result.notes]
    return "\n".join(parts) + "\n"


def sweep_json(result: SweepResult) -> dict[str, object]:
    return {
        "collections": result.collections,
        "metric": result.metric,
        "best": result.best,
        "leave_one_out": [asdict(lo) for lo in result.leave_one_out],
        "settings": [
            {"name": r.setting.name, **asdict(r.setting), "scores": r.scores, "mean": r.mean}
            for r in result.rows
        ],
        "notes": result.notes,
    }


def write_sweep(result: SweepResult, out: Path) -> list[Path]:
    """``out/sweep.md`` and ``out/sweep.json``."""
    out.mkdir(parents=True, exist_ok=True)
    md, js = out / "sweep.md", out / "sweep.json"
    md.write_text(sweep_markdown(result), encoding="utf-8")
    js.write_text(json.dumps(sweep_json(result), indent=1) + "\n", encoding="utf-8")
    return [md, js]


# ---- command line -----------------------------------------------------------------------------


def collection_arguments(prog: str, description: str | None) -> argparse.ArgumentParser:
    """A command line taking the collections: ``--qa FILE``, ``--beir DIR``..., ``--index-dir``."""
    parser = argparse.ArgumentParser(
        prog=prog, description=description, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--qa", type=Path, help="question set (JSONL) on the corpus index")
    parser.add_argument("--beir", type=Path, action="append", default=[], help="BEIR folder")
    parser.add_argument("--index-dir", type=Path, default=Path("var/index"))
    return parser


def open_collections(
    qa: Path | None, beir: Sequence[Path], index_dir: Path, embedder: Encoder, depth: int
) -> list[tuple[Collection, Searcher]]:
    """The question set on the corpus index and each BEIR folder on its own index (built under
    ``index_dir``'s parent when missing), each with its lists fetched and its searcher."""
    opened = []
    if qa is not None:
        searcher = open_searcher(index_dir, embedder=embedder)
        opened.append((qa_collection(searcher, load_questions(qa), depth), searcher))
    for folder in beir:
        dataset = load_beir(folder)
        built = ensure_beir_index(
            folder, dataset, index_dir.parent / "beir", embedder, progress=True
        )
        searcher = open_searcher(built.path, embedder=embedder)
        name = Path(folder).resolve().name
        collection = beir_collection(searcher, name, dataset.queries, dataset.qrels, depth)
        opened.append((collection, searcher))
    return opened


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m eval.sweep [--qa FILE] [--beir DIR]... [--index-dir DIR] [--out DIR]``."""
    parser = collection_arguments("python -m eval.sweep", __doc__)
    parser.add_argument(
        "--model", choices=get_args(ModelChoice), default=None, help="embedding model"
    )
    parser.add_argument("--out", type=Path, default=None, help="write sweep.md and sweep.json")
    parser.add_argument("--no-cyrillic-rule", action="store_true")
    args = parser.parse_args(argv)
    if args.qa is None and not args.beir:
        parser.error("give --qa FILE and/or --beir DIR")
    embedder = Embedder(model=args.model) if args.model else Embedder()
    depth = max(DEPTHS)
    opened = open_collections(args.qa, args.beir, args.index_dir, embedder, depth)
    collections = [collection for collection, _ in opened]
    fetched = time.perf_counter()
    with_second = all(c.second is not None for c in collections)
    settings = default_settings(
        cyrillic_rule=not args.no_cyrillic_rule,
        second_shares=SECOND_SHARES if with_second else (0.0,),
    )
    result = sweep(collections, settings)
    second = embedder.second.model_name if with_second and embedder.second else "none"
    result.notes += [
        f"model: {embedder.model_name}, second model: {second}; lists fetched once per query at "
        f"depth {depth}: "
        + ", ".join(
            f"{c.name} {len(c.queries)} queries in {c.fetch_seconds:.1f} s" for c in collections
        )
        + f"; {len(settings)} settings scored in {time.perf_counter() - fetched:.1f} s.",
        "A setting's depth is how many of each list are fused (the searcher's min_depth; it "
        "fuses max(min_depth, 2 x (offset + k)), so k=100 fuses 200).",
        "+cyr-dense: a query written in Cyrillic is ranked by the dense list alone. "
        "+second0.5: the second model's list fused with half the dense weight (RRF: +second, "
        "its list fused); second: its list alone. +prf4: pseudo-relevance feedback, each model's "
        "query vector moved toward the first fused ranking's top 4 passages (weight "
        f"{FEEDBACK_WEIGHT:g}), its list searched again and the lists fused again.",
    ]
    print(sweep_markdown(result))
    if args.out is not None:
        for path in write_sweep(result, args.out):
            print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
