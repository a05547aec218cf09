"""Questions for latency benchmarks: a pool of distinct questions cut into disjoint sets.

A figure for "a question the process has never seen" needs every timed question asked once, and
a different question for every pass (warm-up, each mode, each k). The pool is every question of
``eval/data/qa.jsonl`` (English and Russian) and, when more are needed, rewordings made by fixed
templates, round after round, so the same arguments always give the same sets. The original
questions come first: rewordings only fill the sets cut last (the warm-up among them).

>>> pool = ["Who signed the deal?", "Кто подписал соглашение?"]
>>> sets = question_sets(pool, {"timed": 2, "warm-up": 2}, seed=0)
>>> sorted(sets["timed"]) == sorted(pool)
True
>>> sorted(q.split(":")[0] for q in sets["warm-up"])
['According to the reports', 'Согласно докладам']
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence

import numpy as np

from bench.common import REPO_ROOT

QA_FILE = REPO_ROOT / "eval" / "data" / "qa.jsonl"

# (English, Russian) templates; a question in Cyrillic gets the Russian one.
REWORDINGS: tuple[tuple[str, str], ...] = (
    ("According to the reports: {q}", "Согласно докладам: {q}"),
    ("{q} Please cite the source.", "{q} Укажите источник."),
    ("Question about the reports: {q}", "Вопрос по докладам: {q}"),
    ("{q} What do the documents say?", "{q} Что говорится в документах?"),
)
_CYRILLIC = re.compile("[\u0400-\u04ff]")


def qa_questions() -> list[str]:
    """The questions of the evaluation set, in file order."""
    lines = QA_FILE.read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["question"] for line in lines if line.strip()]


def reworded(question: str, round_: int) -> str:
    """The question in the template of ``round_`` (0-based), in the question's language."""
    english, russian = REWORDINGS[round_ % len(REWORDINGS)]
    template = russian if _CYRILLIC.search(question) else english
    return template.format(q=question)


def question_sets(
    questions: Sequence[str], sizes: Mapping[str, int], seed: int = 0
) -> dict[str, list[str]]:
    """Disjoint sets of distinct questions, of the sizes asked, cut in the order of ``sizes``.

    The questions are shuffled with ``seed`` (so each set mixes languages and kinds as the pool
    does); rewordings, shuffled too, follow once the originals are used up.
    """
    total = sum(sizes.values())
    originals = list(dict.fromkeys(questions))
    if not originals:
        raise ValueError("no questions to draw from")
    rng = np.random.default_rng(seed)
    pool = [originals[i] for i in rng.permutation(len(originals))]
    seen = set(pool)
    round_ = 0
    while len(pool) < total:
        if round_ == len(REWORDINGS):
            raise ValueError(f"cannot make {total} distinct questions from {len(originals)}")
        extra = [reworded(originals[i], round_) for i in rng.permutation(len(originals))]
        for question in extra:
            if question not in seen:
                seen.add(question)
                pool.append(question)
        round_ += 1
    sets, start = {}, 0
    for name, size in sizes.items():
        sets[name] = pool[start : start + size]
        start += size
    return sets
