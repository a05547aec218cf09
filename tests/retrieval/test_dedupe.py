"""Near-duplicate detection between passages."""

from __future__ import annotations

import random
import re
from pathlib import Path

from retrieval.dedupe import COPY_SHARE, duplicates_among, shingles


def near_duplicate_of(texts: list[str]) -> list[int | None]:
    return duplicates_among([shingles(t) for t in texts])


CORPUS_TEXT = "\n\n".join(
    p.read_text(encoding="utf-8")
    for p in sorted((Path(__file__).resolve().parents[2] / "corpus").glob("*.txt"))
)

BASE = (
    "In October 2021 the fifth meeting of the Belarus-Pakistan Business Council was held, "
    "attended by representatives of more than 60 companies from this South Asian country."
)


def test_same_passage_cut_differently_is_a_duplicate() -> None:
    other = "Overall, trade grew. " + BASE[:-1] + ", representing chemicals and textiles."
    assert near_duplicate_of([BASE, other]) == [None, 0]


def test_different_passages_are_not_duplicates() -> None:
    other = "Belarusian exports to the Asian continent reached about two billion dollars in 2020."
    assert near_duplicate_of([BASE, other]) == [None, None]


def test_duplicate_points_at_the_first_original() -> None:
    assert near_duplicate_of([BASE, "Something else entirely here.", BASE]) == [None, None, 0]


def _reference_duplicates(texts: list[str], threshold: float = COPY_SHARE) -> list[int | None]:
    """The definition, written plainly: word 4-gram sets compared pair by pair."""
    sets = []
    for text in texts:
        words = re.findall(r"[^\W_]+", text.lower())
        grams = {tuple(words[i : i + 4]) for i in range(len(words) - 3)}
        sets.append(grams or ({tuple(words)} if words else set()))
    found: list[int | None] = []
    for i, current in enumerate(sets):
        match = None
        for j in range(i):
            if found[j] is None and current and sets[j]:
                shared = len(current & sets[j])
                if shared and shared / min(len(current), len(sets[j])) >= threshold:
                    match = j
                    break
        found.append(match)
    return found


def test_grouping_matches_the_plain_definition_on_corpus_passages() -> None:
    # Real passages, with copies cut at other places and blank or tiny ones mixed in: the fast
    # grouping the searcher uses must give exactly what the pairwise definition gives.
    passages = [p for p in CORPUS_TEXT.split("\n\n") if len(p.split()) > 20]
    rng = random.Random(7)
    copies_found = 0
    for _ in range(60):
        sample = rng.sample(passages, 40)
        for _ in range(8):
            text = rng.choice(sample)
            cut = rng.randint(0, len(text) // 3)
            sample.insert(rng.randint(0, len(sample)), text[cut:] + " with other words after it")
        sample[rng.randrange(len(sample))] = ""
        sample.insert(rng.randrange(len(sample)), "two words")
        expected = _reference_duplicates(sample)
        assert near_duplicate_of(sample) == expected
        copies_found += sum(x is not None for x in expected)
    assert copies_found >= 60 * 4  # the samples did hold copies to find
