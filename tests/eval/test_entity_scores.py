"""The entity eval's splits (eval/entity_scores.py): dev and held out scored and shown apart."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval.entity_scores import (
    KindScore,
    beir_passages,
    heldout_paths,
    read_gold,
    score_passage,
    table,
)

CISI = Path("../shared/benchmarks/cisi/corpus.jsonl")


def test_each_held_out_split_beside_the_dev_gold_is_scored_under_its_own_name() -> None:
    assert heldout_paths(Path("eval/data/entities.jsonl")) == {
        "held out": Path("eval/data/entities_heldout.jsonl"),
        "held out 2": Path("eval/data/entities_heldout2.jsonl"),
    }


@pytest.mark.skipif(not CISI.is_file(), reason="../shared/benchmarks absent")
def test_a_beir_record_is_a_passage_of_its_title_and_text() -> None:
    passages = {c.doc_id: c for c in beir_passages(CISI)}
    assert len(passages) == 1460
    text = passages["803"].text
    assert text.startswith("Progress in Documentation\n\nThe term 'informatics'")
    assert "A.I. Mikhailov" in text


def test_each_split_has_its_own_rows() -> None:
    dev = [KindScore("person", 10, 8, 6, 6)]
    held = [KindScore("person", 20, 10, 5, 5)]
    rows = table({"dev": dev, "held out": held}).splitlines()[2:]
    assert rows[0].startswith("| dev | person | 10 | 8 | 0.750 | 0.600 |")
    assert rows[1].startswith("| held out | person | 20 | 10 | 0.500 | 0.250 |")


def test_a_passage_of_an_absent_document_is_left_out_and_counted(tmp_path: Path) -> None:
    (tmp_path / "here.txt").write_text("Minsk.", encoding="utf-8")
    gold = tmp_path / "gold.jsonl"
    lines = [
        {"file": "here.txt", "chunk": 0, "mentions": []},
        {"file": str(tmp_path / "gone" / "away.pdf"), "chunk": 0, "mentions": []},
    ]
    gold.write_text("\n".join(json.dumps(x) for x in lines), encoding="utf-8")
    kept, missing = read_gold(gold, tmp_path)
    assert [x["file"] for x in kept] == ["here.txt"] and missing == 1


def test_the_held_out_gold_names_documents_in_the_corpus_or_by_path() -> None:
    lines = Path("eval/data/entities_heldout.jsonl").read_text(encoding="utf-8").splitlines()
    mentions = sum(len(json.loads(x)["mentions"]) for x in lines)
    assert mentions >= 150


def test_the_second_held_out_gold_labels_passages_the_dev_gold_does_not() -> None:
    def passages(path: str) -> set[tuple[str, str]]:
        lines = [json.loads(x) for x in Path(path).read_text(encoding="utf-8").splitlines()]
        return {(x["file"], str(x.get("chunk", x.get("doc")))) for x in lines}

    second = passages("eval/data/entities_heldout2.jsonl")
    assert len(second) >= 20
    assert not second & passages("eval/data/entities.jsonl")
    assert not second & passages("eval/data/entities_heldout.jsonl")


def test_a_possessive_apostrophe_after_s_is_no_part_of_the_name() -> None:
    # "Belarus’ relations" (belarus-asia-africa-latin-america-2021.txt): the gold writes the
    # apostrophe, the tagger leaves it out; one name either way.
    scores = score_passage([("place", "Belarus’", "Belarus")], [("place", "Belarus", "place:BY")])
    assert (scores["place"].matched, scores["place"].canonical) == (1, 1)
