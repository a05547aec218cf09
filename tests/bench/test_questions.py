"""The latency benchmarks' question sets: every timed question new to the process, and the same
sets on every run."""

from __future__ import annotations

from bench.questions import qa_questions, question_sets, reworded

SIZES = {"hybrid k=10": 120, "hybrid k=100": 120, "bm25": 60, "warm-up": 10}


def test_sets_are_disjoint_distinct_and_of_the_sizes_asked() -> None:
    sets = question_sets(qa_questions(), SIZES, seed=0)
    assert {name: len(questions) for name, questions in sets.items()} == SIZES
    every = [q for questions in sets.values() for q in questions]
    assert len(set(every)) == len(every)  # no question is asked by two passes


def test_the_same_seed_gives_the_same_sets_and_another_seed_others() -> None:
    assert question_sets(qa_questions(), SIZES, seed=3) == question_sets(
        qa_questions(), SIZES, seed=3
    )
    assert question_sets(qa_questions(), SIZES, seed=3) != question_sets(
        qa_questions(), SIZES, seed=4
    )


def test_the_qa_questions_are_used_before_any_rewording() -> None:
    originals = qa_questions()
    sets = question_sets(originals, SIZES, seed=0)
    first = sets["hybrid k=10"] + sets["hybrid k=100"]
    assert set(first[: len(originals)]) <= set(originals)
    assert all(q not in originals for q in sets["warm-up"])  # filled by rewordings


def test_a_russian_question_is_reworded_in_russian() -> None:
    assert reworded("Кто подписал соглашение?", 0).startswith("Согласно докладам")
    assert reworded("Who signed the deal?", 0).startswith("According to the reports")
