"""Evaluation results as a Markdown table, and as files: results.md/.json, TREC runs, qrels, a plot.

Layout written by ``write_report(report, out)``::

    out/results.md          the table and its notes
    out/results.json        every metric per configuration, per-query latencies, the recall curve
    out/runs/<config>.trec  each configuration's run (TREC format, rank-derived scores)
    out/qrels.txt           the judgments the metrics used (TREC qrels format)
    out/recall.png          mean recall at k for each configuration
    out/answers.png         answer coverage, accuracy and abstention by threshold (question set)

A question set's report has a section "Answers" (``eval.answers``) in results.md and results.json.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from eval.answers import GROUPS, AbstentionFigures, AccuracyFigures, AnswerReport
from eval.results import EvalReport
from eval.trec import write_qrels, write_run

_HEADERS = {
    "answered@1": "A@1",
    "answered@10": "A@10",
    "citations": "Cite",
    "citations_with_note": "Cite+note",
    "latency_p50_ms": "p50 ms",
    "latency_p95_ms": "p95 ms",
    "map": "MAP",
}


def column_header(metric: str) -> str:
    """Short table header of a metric name (``recall@10`` -> ``R@10``)."""
    if metric in _HEADERS:
        return _HEADERS[metric]
    name, _, k = metric.partition("@")
    short = {"recall": "R", "precision": "P", "mrr": "MRR", "ndcg": "nDCG"}.get(name, name)
    return f"{short}@{k}" if k else short


def _cell(metric: str, value: float) -> str:
    return f"{value:.1f}" if metric.endswith("_ms") else f"{value:.3f}"


def markdown_table(report: EvalReport) -> str:
    """One row per configuration, one column per metric; the best value of each column in bold.

    A metric a configuration does not define (citations for the reference ranker) shows as "–".
    """
    metrics = report.metric_names
    best: dict[str, float] = {}
    for metric in metrics:
        values = [r.metrics[metric] for r in report.results if metric in r.metrics]
        if values:
            best[metric] = min(values) if metric.endswith("_ms") else max(values)
    lines = [
        "| config | " + " | ".join(column_header(m) for m in metrics) + " |",
        "|---|" + "---:|" * len(metrics),
    ]
    for result in report.results:
        cells = []
        for metric in metrics:
            if metric not in result.metrics:
                cells.append("–")  # not defined for this configuration
                continue
            text = _cell(metric, result.metrics[metric])
            cells.append(f"**{text}**" if text == _cell(metric, best[metric]) else text)
        lines.append(f"| {result.config.name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def markdown_report(report: EvalReport) -> str:
    """The table with a heading, what each configuration is, and the report's notes."""
    title = "Question set" if report.kind == "qa" else "BEIR collection"
    parts = [
        f"### {title}: {report.name} ({report.queries} queries, top {report.k})",
        "",
        markdown_table(report),
        "",
    ]
    parts += [f"- `{r.config.name}`: {r.config.describe()}" for r in report.results]
    failed = {r.config.name: len(r.failed) for r in report.results if r.failed}
    if failed:
        parts.append(f"- queries refused by the searcher (scored 0): {failed}")
    parts += [f"- {note}" for note in report.notes]
    if report.answers is not None:
        parts += ["", markdown_answers(report.answers)]
    return "\n".join(parts) + "\n"


def markdown_answers(answers: AnswerReport) -> str:
    """The section "Answers": accuracy by split and language, abstention, the threshold curve."""
    lines = [
        f"### Answers (threshold {answers.threshold:g})",
        "",
        "| split | lang | questions | answered | coverage | accuracy | acc. answered |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {f.group} | {f.lang} | {f.questions} | {f.answered} | {f.coverage:.3f} "
        f"| {f.accuracy:.3f} | {_answered_cell(f)} |"
        for f in answers.accuracy
    ]
    if answers.abstention:
        lines += ["", "| split | unanswerable | not found | abstention |", "|---|---:|---:|---:|"]
        lines += [
            f"| {f.group} | {f.questions} | {f.abstained} | {f.abstention:.3f} |"
            for f in answers.abstention
        ]
    groups = [g for g in GROUPS if g != "calibration"]
    header = " | ".join(
        f"{name} ({group})"
        for group in groups
        for name in ("coverage", "acc. answered", "accuracy", "abstention")
    )
    lines += ["", f"| threshold | {header} |", "|---:|" + "---:|" * 4 * len(groups)]
    for point in answers.curve:
        cells = []
        for group in groups:
            acc = point.accuracy.get(group)
            abst = point.abstention.get(group)
            cells += (
                [f"{acc.coverage:.3f}", _answered_cell(acc), f"{acc.accuracy:.3f}"]
                if acc
                else ["–"] * 3
            )
            cells.append(f"{abst.abstention:.3f}" if abst else "–")
        mark = " (default)" if point.threshold == answers.threshold else ""
        lines.append(f"| {point.threshold:.2f}{mark} | " + " | ".join(cells) + " |")
    lines += ["", *_answer_box_tables(answers), ""]
    lines += [f"- {note}" for note in answers.notes]
    return "\n".join(lines)


def _answer_box_tables(answers: AnswerReport) -> list[str]:
    """What the answer box said (eval.answer_states): per split and facet, and the strong curve."""
    lines = [
        f"Answer box (strong threshold {answers.strong_threshold:g}):",
        "",
        "| split | facet | questions | strong | strong precision | candidates | holds key "
        "| coverage |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for f in answers.states:
        precision = f"{f.strong_precision:.3f}" if f.strong_precision is not None else "–"
        holds = f"{f.holds_key:.3f}" if f.holds_key is not None else "–"
        lines.append(
            f"| {f.group} | {f.facet} | {f.questions} | {f.strong} | {precision} "
            f"| {f.candidates} | {holds} | {f.coverage:.3f} |"
        )
    lines += [
        "",
        "Strong threshold curve (strong answers, their precision, and unanswerable questions "
        "answered strongly):",
        "",
        "| threshold | "
        + " | ".join(f"strong ({g}) | precision ({g})" for g in GROUPS)
        + " | unanswerable strong |",
        "|---:|" + "---:|" * (2 * len(GROUPS) + 1),
    ]
    for point in answers.strong_curve:
        cells = []
        for group in GROUPS:
            share = point.precision(group)
            cells += [
                str(point.answerable.get(group, (0, 0, 0))[1]),
                f"{share:.3f}" if share is not None else "–",
            ]
        mark = " (chosen)" if point.threshold == answers.calibrated_strong else ""
        cells.append(str(point.unanswerable.get("all", 0)))
        lines.append(f"| {point.threshold:.2f}{mark} | " + " | ".join(cells) + " |")
    return lines


def best_config(report: EvalReport, metric: str, prefix: str = "") -> str | None:
    """Name of the configuration (among those named ``prefix...``) with the best ``metric``."""
    candidates = [
        r for r in report.results if r.config.name.startswith(prefix) and metric in r.metrics
    ]
    if not candidates:
        return None
    return max(candidates, key=lambda r: r.metrics[metric]).config.name


def report_json(report: EvalReport) -> dict[str, object]:
    """Everything but the runs and qrels (written as TREC files), as plain JSON data."""
    return {
        "kind": report.kind,
        "name": report.name,
        "k": report.k,
        "queries": report.queries,
        "metric_names": report.metric_names,
        "configs": [
            {
                "config": asdict(r.config),
                "description": r.config.describe(),
                "metrics": r.metrics,
                "latencies_ms": r.latencies_ms,
                "failed": r.failed,
                "seconds": r.seconds,
            }
            for r in report.results
        ],
        "recall_curve": report.recall_curve,
        "notes": report.notes,
        "answers": answers_json(report.answers) if report.answers is not None else None,
    }


def _answered_cell(f: AccuracyFigures) -> str:
    """Accuracy among the answered, or "–" when none was answered."""
    return f"{f.accuracy_answered:.3f}" if f.answered else "–"


def answers_json(answers: AnswerReport) -> dict[str, object]:
    """The answer figures with their shares, the curve, and each question's outcome."""
    return {
        "threshold": answers.threshold,
        "accuracy": [_accuracy_json(f) for f in answers.accuracy],
        "abstention": [_abstention_json(f) for f in answers.abstention],
        "curve": [
            {
                "threshold": point.threshold,
                "accuracy": {g: _accuracy_json(f) for g, f in point.accuracy.items()},
                "abstention": {g: _abstention_json(f) for g, f in point.abstention.items()},
            }
            for point in answers.curve
        ],
        "outcomes": [asdict(outcome) for outcome in answers.outcomes],
        "notes": answers.notes,
        "strong_threshold": answers.strong_threshold,
        "calibrated_strong_threshold": answers.calibrated_strong,
        "states": [
            {
                **asdict(f),
                "strong_precision": f.strong_precision,
                "holds_key": f.holds_key,
                "coverage": f.coverage,
            }
            for f in answers.states
        ],
        "strong_curve": [asdict(point) for point in answers.strong_curve],
    }


def _accuracy_json(f: AccuracyFigures) -> dict[str, object]:
    return {
        **asdict(f),
        "coverage": f.coverage,
        "accuracy": f.accuracy,
        "accuracy_answered": f.accuracy_answered,
    }


def _abstention_json(f: AbstentionFigures) -> dict[str, object]:
    return {**asdict(f), "abstention": f.abstention}


def plot_recall(report: EvalReport, path: Path) -> None:
    """A PNG of mean recall at k (k = 1..len(curve)) for each configuration."""
    import matplotlib

    matplotlib.use("Agg")  # no display: write files only
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    lowest = min((min(curve) for curve in report.recall_curve.values() if curve), default=0.0)
    fig, ax = plt.subplots(figsize=(7, 4.5), dpi=120)
    try:
        for name, curve in report.recall_curve.items():
            ax.plot(range(1, len(curve) + 1), curve, label=name, linewidth=1.5)
        ax.set_xlabel("k (passages read)")
        ax.set_ylabel("mean recall@k")
        # From the tenth below the lowest value: close curves stay apart, the scale stays honest.
        ax.set_ylim(max(0.0, int(lowest * 10) / 10), 1.0)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_title(f"{report.name}: recall at k ({report.queries} queries)")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="lower right")
        fig.tight_layout()
        fig.savefig(path)
    finally:
        plt.close(fig)


def plot_answers(answers: AnswerReport, path: Path, title: str = "") -> None:
    """A PNG of the answer curve: accuracy among the answered against coverage (left), and
    coverage, accuracy and abstention by threshold (right), for all questions and the held-out
    half."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.5), dpi=120)
    thresholds = [point.threshold for point in answers.curve]
    try:
        for group, style in (("all", "-"), ("held-out", "--")):
            points = [p for p in answers.curve if group in p.accuracy]
            if len(points) != len(answers.curve):
                continue
            acc = [p.accuracy[group] for p in points]
            coverage = [f.coverage for f in acc]
            # Accuracy among the answered is undefined where nothing is answered.
            some = [(p, f) for p, f in zip(points, acc, strict=True) if f.answered]
            xs = [f.coverage for _, f in some]
            ys = [f.accuracy_answered for _, f in some]
            left.plot(xs, ys, style, marker="o", markersize=3, label=group)
            for (point, _), x, y in zip(some, xs, ys, strict=True):
                if point.threshold == answers.threshold:  # the default: a star, named once
                    left.plot([x], [y], "*", color="black", markersize=8)
                    if group == "all":
                        left.annotate(
                            f"default {point.threshold:g}",
                            (x, y),
                            (-60, -14),
                            "data",
                            "offset points",
                            fontsize=7,
                        )
            right.plot(thresholds, coverage, style, color="C0", label=f"coverage ({group})")
            accuracy = [f.accuracy for f in acc]
            right.plot(thresholds, accuracy, style, color="C1", label=f"accuracy ({group})")
            if all(group in p.abstention for p in points):
                abstention = [p.abstention[group].abstention for p in points]
                right.plot(thresholds, abstention, style, color="C2", label=f"abstention ({group})")
        left.set_xlabel("coverage (answerable questions answered)")
        left.set_ylabel("accuracy among the answered")
        left.set_title(f"{title}: coverage against accuracy" if title else "coverage/accuracy")
        right.axvline(answers.threshold, color="grey", linewidth=0.8)
        right.set_xlabel("answer threshold (grey: the default)")
        right.set_ylabel("share of questions")
        right.set_ylim(0.0, 1.02)
        for ax in (left, right):
            ax.grid(alpha=0.3)
            ax.legend(fontsize=7, loc="lower left")
        fig.tight_layout()
        fig.savefig(path)
    finally:
        plt.close(fig)


def write_report(report: EvalReport, out: Path) -> list[Path]:
    """Write the files listed in the module docstring into ``out``; returns their paths."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "runs").mkdir(exist_ok=True)
    written = [out / "results.md", out / "results.json", out / "qrels.txt", out / "recall.png"]
    written[0].write_text(markdown_report(report), encoding="utf-8")
    written[1].write_text(json.dumps(report_json(report), indent=1) + "\n", encoding="utf-8")
    write_qrels(report.qrels, written[2])
    plot_recall(report, written[3])
    if report.answers is not None:
        written.append(out / "answers.png")
        plot_answers(report.answers, written[-1], report.name)
    for result in report.results:
        path = out / "runs" / f"{result.config.name}.trec"
        write_run(result.run, path, tag=result.config.name)
        written.append(path)
    return written
