"""What the answer box said, counted: "strong match" precision, candidates holding the key,
coverage, and the strong threshold chosen on the calibration split alone.

Pure counting over ``eval.answers.AnswerOutcome``s: the searcher is run by ``eval.answers``.

- **strong precision**: of the questions given one "strong" answer, the share whose sentence
  holds the key (``eval.qa.is_relevant``).
- **holds key**: of the answered questions (strong or candidates), the share where a sentence
  shown holds the key (the strong answer, or any candidate).
- **coverage**: the share of answerable questions given a strong answer or candidates.
- the **strong curve**: strong precision and coverage as the strong threshold moves, read from
  one run whose strong threshold is the answer threshold (every answer strong, with its score):
  at threshold t the strong answers are those scored t or more.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar


class AnswerOutcome(Protocol):
    """What is counted of one question's outcome (``eval.answers.AnswerOutcome``)."""

    @property
    def split(self) -> str: ...
    @property
    def answer(self) -> str | None: ...
    @property
    def score(self) -> float | None: ...
    @property
    def state(self) -> str | None: ...
    @property
    def correct(self) -> bool: ...
    @property
    def holds_key(self) -> bool: ...


_O = TypeVar("_O", bound=AnswerOutcome)


STRONG_TARGET = 0.90
"""The promise "strong match" makes: at least 9 in 10 such answers hold the key."""
STRONG_MARGIN = 0.03
"""Calibration precision asked above the target, for the held-out half's sampling error."""
STRONG_LEAST = 10
"""A threshold is chosen only where calibration gives at least this many strong answers."""
STRONG_THRESHOLDS: tuple[float, ...] = tuple(round(1.22 + 0.02 * i, 2) for i in range(20))
"""The strong curve's thresholds (1.22 to 1.60)."""


@dataclass(frozen=True)
class StateFigures:
    """Answerable questions of one split and facet (a language or a question type): what the
    answer box said and whether what it showed holds the key."""

    group: str  # "all", "calibration", "held-out"
    facet: str  # "all", a language ("en", "ru") or a question type ("keyword", ...)
    questions: int
    strong: int
    strong_correct: int
    candidates: int
    candidates_hold: int  # questions answered with candidates, one of which holds the key

    @property
    def answered(self) -> int:
        return self.strong + self.candidates

    @property
    def coverage(self) -> float:
        return self.answered / self.questions if self.questions else 0.0

    @property
    def strong_precision(self) -> float | None:
        return self.strong_correct / self.strong if self.strong else None

    @property
    def holds_key(self) -> float | None:
        """Of the answered, the share where a sentence shown holds the key."""
        held = self.strong_correct + self.candidates_hold
        return held / self.answered if self.answered else None


@dataclass(frozen=True)
class StrongPoint:
    """Strong answers at one threshold, per split: (questions, strong, strong holding the key),
    and how many unanswerable questions would get a strong answer."""

    threshold: float
    answerable: dict[str, tuple[int, int, int]]
    unanswerable: dict[str, int]

    def precision(self, group: str) -> float | None:
        _, strong, correct = self.answerable.get(group, (0, 0, 0))
        return correct / strong if strong else None

    def coverage(self, group: str) -> float:
        questions, strong, _ = self.answerable.get(group, (0, 0, 0))
        return strong / questions if questions else 0.0


def _in_group(outcome: AnswerOutcome, group: str) -> bool:
    return group == "all" or outcome.split == group


def state_figures(
    outcomes: Sequence[_O],
    groups: Sequence[str],
    facets: Sequence[tuple[str, Callable[[_O], bool]]],
) -> list[StateFigures]:
    """Figures of the answerable ``outcomes`` for every split and facet that has questions;
    ``facets`` are (name, which outcomes it holds)."""
    figures = []
    for group in groups:
        for facet, holds in facets:
            chosen = [o for o in outcomes if _in_group(o, group) and holds(o)]
            if not chosen:
                continue
            strong = [o for o in chosen if o.state == "strong"]
            candidates = [o for o in chosen if o.state == "candidates"]
            figures.append(
                StateFigures(
                    group,
                    facet,
                    questions=len(chosen),
                    strong=len(strong),
                    strong_correct=sum(o.correct for o in strong),
                    candidates=len(candidates),
                    candidates_hold=sum(o.holds_key for o in candidates),
                )
            )
    return figures


def strong_curve(
    answerable: Sequence[AnswerOutcome],
    unanswerable: Sequence[AnswerOutcome],
    groups: Sequence[str],
    thresholds: Sequence[float] = STRONG_THRESHOLDS,
) -> list[StrongPoint]:
    """Strong answers at each threshold, from the outcomes of a run whose strong threshold is
    its answer threshold (every answer strong but a run-on, one the candidates' order puts
    second, one lacking the figure asked for or one another sentence scores close to:
    ``retrieval.answer_candidates.is_decisive``): those scored ``threshold`` or more."""

    def strong_at(o: AnswerOutcome, t: float) -> bool:
        return o.state == "strong" and o.score is not None and o.score >= t

    points = []
    for t in thresholds:
        by_group = {}
        for group in groups:
            chosen = [o for o in answerable if _in_group(o, group)]
            strong = [o for o in chosen if strong_at(o, t)]
            by_group[group] = (len(chosen), len(strong), sum(o.correct for o in strong))
        points.append(
            StrongPoint(
                t,
                by_group,
                {g: sum(strong_at(o, t) for o in unanswerable if _in_group(o, g)) for g in groups},
            )
        )
    return points


def calibrated_strong_threshold(
    curve: Sequence[StrongPoint],
    target: float = STRONG_TARGET,
    margin: float = STRONG_MARGIN,
    least: int = STRONG_LEAST,
) -> float | None:
    """The lowest threshold whose strong precision on the calibration split is at least
    ``target + margin`` with ``least`` strong answers or more, and at which no unanswerable
    calibration question is answered strongly; None when none is.

    >>> point = lambda t, strong, right: StrongPoint(t, {"calibration": (50, strong, right)}, {})
    >>> calibrated_strong_threshold([point(1.3, 40, 30), point(1.4, 20, 19), point(1.5, 5, 5)])
    1.4
    """
    for point in sorted(curve, key=lambda p: p.threshold):
        _, strong, _ = point.answerable.get("calibration", (0, 0, 0))
        precision = point.precision("calibration")
        if (
            strong >= least
            and precision is not None
            and precision >= target + margin
            and point.unanswerable.get("calibration", 0) == 0
        ):
            return point.threshold
    return None
