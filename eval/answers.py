"""Answer or abstain: is the answer sentence right, and does the searcher say "not found" when the
reports hold no answer?

Three figures, on the default searcher (hybrid, its default fusion):

- **accuracy**: the share of the answerable questions (the question set) whose answer sentence
  contains the key, by the relevance rule of ``eval.qa.is_relevant``; an abstention counts as
  wrong. With it, **coverage** (the share answered) and the accuracy among the answered.
- **abstention**: the share of the unanswerable questions (``eval/data/unanswerable.jsonl``)
  answered "not found".
- a **curve** of those figures as ``SearchOptions.answer_threshold`` moves.
- what the answer box said (``eval.answer_states``): "strong match" precision, candidates holding
  the key, coverage, per split, language and question type, and the curve of strong precision
  as ``SearchOptions.strong_threshold`` moves, with the threshold calibration alone chooses.

Each figure is given per split: the answer weights and threshold were fitted on the questions at
even positions (0, 2, 4, ... of both files' ids sorted together: the calibration half); the odd
positions are held out. A question whose line names its split (``"split": "calibration"``) keeps
it and takes no position.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal, cast

from eval.answer_states import (
    StateFigures,
    StrongPoint,
    calibrated_strong_threshold,
    state_figures,
    strong_curve,
)
from eval.qa import QUESTION_TYPES, QAItem, is_relevant, load_questions
from eval.query_vectors import QueryVectors
from index.models.encoder import Encoder
from retrieval.answer_candidates import STRONG_GAP
from retrieval.search import QueryError, Searcher

Split = Literal["calibration", "held-out"]
GROUPS: tuple[str, ...] = ("all", "calibration", "held-out")
ANSWERS_CALIBRATION_FILE = "answers_calibration.jsonl"
"""Beside the question set: questions written for the answer box's calibration half alone
(paraphrases and Russian questions, which the set's calibration half had few of)."""
CURVE_THRESHOLDS: tuple[float, ...] = tuple(round(0.9 + 0.05 * i, 2) for i in range(13))
"""The curve's thresholds (0.90 to 1.50); the default threshold is added to them."""


@dataclass(frozen=True)
class UnanswerableItem:
    """A question on a topic the reports do not cover: the right outcome is "not found"."""

    id: str
    question: str


def calibration_questions(path: str | Path) -> list[QAItem]:
    """The questions of ``path`` (question-set lines), each in the calibration half whatever its
    line says: scored as answers only, never held out."""
    return [replace(item, split="calibration") for item in load_questions(path)]


def load_unanswerable(path: str | Path) -> list[UnanswerableItem]:
    """Read a JSON-lines file of ``{"id", "question"}``; ``ValueError`` names a bad line."""
    items: list[UnanswerableItem] = []
    for lineno, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}:{lineno}: not valid JSON ({exc.msg})") from exc
        if not isinstance(record, dict) or not all(
            isinstance(record.get(name), str) and record[name].strip()
            for name in ("id", "question")
        ):
            raise ValueError(f"{path}:{lineno}: expected an object with 'id' and 'question'")
        items.append(UnanswerableItem(record["id"], record["question"]))
    return items


def split_of(ids: Iterable[str], fixed: Mapping[str, Split] | None = None) -> dict[str, Split]:
    """Calibration for the even positions of the ids sorted, held-out for the odd ones; an id of
    ``fixed`` (a question whose line names its split) takes its own and no position, so adding
    such questions never moves another question's half.

    >>> split_of(["q2", "q1", "u1"])
    {'q1': 'calibration', 'q2': 'held-out', 'u1': 'calibration'}
    >>> split_of(["q2", "q1", "q0", "u1"], {"q0": "calibration"})["q1"]
    'calibration'
    """
    fixed = fixed or {}
    given = list(ids)
    free = sorted(qid for qid in given if qid not in fixed)
    by_position: dict[str, Split] = {
        qid: ("calibration" if i % 2 == 0 else "held-out") for i, qid in enumerate(free)
    }
    return {**by_position, **{qid: fixed[qid] for qid in given if qid in fixed}}


def fixed_splits(questions: Iterable[QAItem]) -> dict[str, Split]:
    """The questions whose line names their half (``QAItem.split``): id -> that half."""
    return {item.id: cast(Split, item.split) for item in questions if item.split}


# ---- records ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AnswerOutcome:
    """What the searcher answered to one question (``answer`` None: "not found")."""

    id: str
    split: Split
    lang: str  # "en", "ru"; "" for an unanswerable question
    answer: str | None
    score: float | None
    confidence: str | None
    correct: bool  # the answer sentence holds the key (always False when unanswerable)
    missing: tuple[str, ...] = ()
    refused: str | None = None  # the searcher's QueryError, if any
    type: str = ""  # the question's type (eval.qa.QUESTION_TYPES); "" when unanswerable
    state: str | None = None  # "strong", "candidates"; None: not found
    candidates: tuple[str, ...] = ()  # the candidate sentences shown (state "candidates")
    holds_key: bool = False  # a sentence shown (the answer or a candidate) holds the key


@dataclass(frozen=True)
class AccuracyFigures:
    """Answerable questions of one split and language: how many, answered, answered rightly."""

    group: str  # "all", "calibration", "held-out"
    lang: str  # "all", "en", "ru"
    questions: int
    answered: int
    correct: int

    @property
    def accuracy(self) -> float:
        return self.correct / self.questions if self.questions else 0.0

    @property
    def coverage(self) -> float:
        return self.answered / self.questions if self.questions else 0.0

    @property
    def accuracy_answered(self) -> float:
        return self.correct / self.answered if self.answered else 0.0


@dataclass(frozen=True)
class AbstentionFigures:
    """Unanswerable questions of one split: how many, and how many got "not found"."""

    group: str
    questions: int
    abstained: int

    @property
    def abstention(self) -> float:
        return self.abstained / self.questions if self.questions else 0.0


@dataclass(frozen=True)
class CurvePoint:
    """The answer figures of every split at one threshold."""

    threshold: float
    accuracy: dict[str, AccuracyFigures]  # group -> figures over both languages
    abstention: dict[str, AbstentionFigures]  # group -> figures (empty without unanswerables)


@dataclass
class AnswerReport:
    """Answer accuracy and abstention at the default threshold, and the curve around it."""

    threshold: float
    accuracy: list[AccuracyFigures]
    abstention: list[AbstentionFigures]
    curve: list[CurvePoint]
    outcomes: list[AnswerOutcome]
    notes: list[str] = field(default_factory=list)
    strong_threshold: float = 0.0  # the searcher's
    states: list[StateFigures] = field(default_factory=list)
    strong_curve: list[StrongPoint] = field(default_factory=list)
    calibrated_strong: float | None = None  # the threshold the calibration split chooses


# ---- counting (pure) ----------------------------------------------------------------------------


def accuracy_figures(
    outcomes: Sequence[AnswerOutcome], langs: Sequence[str] = ("all", "en", "ru")
) -> list[AccuracyFigures]:
    """Figures of the answerable outcomes for every split and language that has questions."""
    figures = []
    for group in GROUPS:
        for lang in langs:
            chosen = [
                o
                for o in outcomes
                if (group == "all" or o.split == group) and (lang == "all" or o.lang == lang)
            ]
            if not chosen:
                continue
            figures.append(
                AccuracyFigures(
                    group,
                    lang,
                    questions=len(chosen),
                    answered=sum(o.answer is not None for o in chosen),
                    correct=sum(o.correct for o in chosen),
                )
            )
    return figures


def abstention_figures(outcomes: Sequence[AnswerOutcome]) -> list[AbstentionFigures]:
    """Figures of the unanswerable outcomes for every split that has questions."""
    figures = []
    for group in GROUPS:
        chosen = [o for o in outcomes if group == "all" or o.split == group]
        if chosen:
            figures.append(
                AbstentionFigures(group, len(chosen), sum(o.answer is None for o in chosen))
            )
    return figures


# ---- running ------------------------------------------------------------------------------------


def answer_outcomes(
    searcher: Searcher,
    questions: Sequence[QAItem],
    unanswerable: Sequence[UnanswerableItem],
    splits: Mapping[str, Split],
) -> tuple[list[AnswerOutcome], list[AnswerOutcome]]:
    """Search each question once with the searcher's defaults: (answerable, unanswerable)."""
    answerable = [_outcome(searcher, item.id, item.question, splits, item) for item in questions]
    rest = [_outcome(searcher, item.id, item.question, splits, None) for item in unanswerable]
    return answerable, rest


def with_threshold(base: Searcher, threshold: float, strong: float | None = None) -> Searcher:
    """A searcher answering from ``threshold`` on (strongly from ``strong``, by default as
    ``base``), sharing ``base``'s store, model and caches."""
    searcher = copy.copy(base)
    strong = base.options.strong_threshold if strong is None else strong
    searcher.options = replace(base.options, answer_threshold=threshold, strong_threshold=strong)
    return searcher


def state_facets(
    langs: Sequence[str],
) -> list[tuple[str, Callable[[AnswerOutcome], bool]]]:
    """The facets the answer-box figures are given for: all, each language, each type."""
    facets: list[tuple[str, Callable[[AnswerOutcome], bool]]] = [("all", lambda o: True)]
    facets += [(lang, _field_is("lang", lang)) for lang in langs]
    facets += [(kind, _field_is("type", kind)) for kind in QUESTION_TYPES]
    return facets


def _field_is(name: str, value: str) -> Callable[[AnswerOutcome], bool]:
    """Whether an outcome's ``name`` field is ``value``."""
    return lambda outcome: bool(getattr(outcome, name) == value)


def run_answers(
    searcher: Searcher,
    questions: Sequence[QAItem],
    unanswerable: Sequence[UnanswerableItem],
    *,
    splits: Mapping[str, Split] | None = None,
    thresholds: Sequence[float] = CURVE_THRESHOLDS,
    progress: bool = False,
) -> AnswerReport:
    """Answer accuracy and abstention at the searcher's threshold, and at each of ``thresholds``.

    ``splits`` maps every id to its half (default: ``split_of`` the ids given; pass the split of
    the whole files when evaluating a subset); a question's own ``split`` overrides it. Each
    question is embedded once for all thresholds.
    """
    fixed = fixed_splits(questions)
    if splits is None:
        ids = [item.id for item in questions] + [item.id for item in unanswerable]
        splits = split_of(ids, fixed)
    else:
        splits = {**splits, **fixed}
    vectors = QueryVectors(searcher.embedder)
    default = searcher.options.answer_threshold
    points = sorted({*thresholds, default})
    curve: list[CurvePoint] = []
    at_default: tuple[list[AnswerOutcome], list[AnswerOutcome]] = ([], [])
    steps: Iterable[float] = points
    if progress:
        from tqdm import tqdm

        steps = tqdm(points, desc="answers: thresholds", unit="threshold")
    for threshold in steps:
        configured = with_threshold(searcher, threshold)
        configured.embedder = cast(Encoder, vectors)
        answerable, rest = answer_outcomes(configured, questions, unanswerable, splits)
        curve.append(
            CurvePoint(
                threshold,
                {f.group: f for f in accuracy_figures(answerable, ("all",))},
                {f.group: f for f in abstention_figures(rest)},
            )
        )
        if threshold == default:
            at_default = (answerable, rest)
    answerable, rest = at_default
    langs = ("all", *sorted({item.lang for item in questions}))
    # Every answer strong: the strong curve reads each answer's score (eval.answer_states).
    opened = with_threshold(searcher, default, strong=default)
    opened.embedder = cast(Encoder, vectors)
    open_curve = strong_curve(*answer_outcomes(opened, questions, unanswerable, splits), GROUPS)
    report = AnswerReport(
        threshold=default,
        accuracy=accuracy_figures(answerable, langs),
        abstention=abstention_figures(rest),
        curve=curve,
        outcomes=answerable + rest,
        strong_threshold=searcher.options.strong_threshold,
        states=state_figures(answerable, GROUPS, state_facets(langs[1:])),
        strong_curve=open_curve,
        calibrated_strong=calibrated_strong_threshold(open_curve),
    )
    report.notes = _notes(report, rest)
    return report


def _outcome(
    searcher: Searcher,
    qid: str,
    question: str,
    splits: Mapping[str, Split],
    item: QAItem | None,
) -> AnswerOutcome:
    lang = item.lang if item is not None else ""
    try:
        result = searcher.search(question, k=10)
    except QueryError as exc:  # refused: no answer
        return AnswerOutcome(qid, splits[qid], lang, None, None, None, False, refused=str(exc))
    answer = result.answer
    shown = [] if answer is None else answer.candidates if answer.candidates else [answer]
    return AnswerOutcome(
        id=qid,
        split=splits[qid],
        lang=lang,
        answer=answer.text if answer is not None else None,
        score=answer.score if answer is not None else None,
        confidence=answer.confidence if answer is not None else None,
        correct=answer is not None and item is not None and is_relevant(item, answer.text),
        missing=tuple(result.missing),
        type=item.type if item is not None else "",
        state=answer.state if answer is not None else None,
        candidates=tuple(c.text for c in answer.candidates) if answer is not None else (),
        holds_key=item is not None and any(is_relevant(item, c.text) for c in shown),
    )


def _notes(report: AnswerReport, rest: Sequence[AnswerOutcome]) -> list[str]:
    answerable = [o for o in report.outcomes if o.lang]
    notes = [
        f"Default searcher (hybrid, default fusion), answer threshold {report.threshold:g}, "
        f"strong threshold {report.strong_threshold:g}. Accuracy: the answer sentence (the "
        "first candidate when not strong) holds the key (eval.qa.is_relevant); a question not "
        "answered counts as wrong. Coverage: the share answered; 'acc. answered' is among those.",
        "Splits: the ids of the question set and the unanswerable set sorted together; even "
        "positions (0, 2, ...) are the calibration half the weights and thresholds were fitted "
        "on, odd positions the held-out half; a question whose line names its split keeps it.",
        "Answer box: 'strong' one sentence, 'candidates' the best "
        "sentences of different passages to check (retrieval/answer_candidates.py); 'holds key' "
        "is, of the answered, the share where a sentence shown holds the key. A strong answer "
        f"also stands {STRONG_GAP:g} in answer score clear of any other sentence.",
    ]
    chosen = report.calibrated_strong
    notes.append(
        "The strong threshold calibration chooses (the lowest with calibration strong "
        "precision >= 0.93 over at least 10 strong answers and no unanswerable one strong): "
        + (f"{chosen:g}" if chosen is not None else "none")
        + (
            f"; the searcher uses {report.strong_threshold:g}."
            if chosen != report.strong_threshold
            else " (the searcher's)."
        )
    )
    strong = sum(o.state == "strong" for o in answerable)
    notes.append(
        f"{strong} of {sum(o.answer is not None for o in answerable)} answers are strong matches."
    )
    if rest:
        with_missing = sum(bool(o.missing) for o in rest)
        notes.append(
            f"{with_missing} of {len(rest)} unanswerable questions name a word no document holds."
        )
    refused = [o.id for o in report.outcomes if o.refused]
    if refused:
        notes.append(f"refused by the searcher (not answered): {', '.join(refused)}")
    return notes
