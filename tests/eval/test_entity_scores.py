"""The entity eval's splits (eval/entity_scores.py): dev and held out scored and shown apart."""

from __future__ import annotations

import json
from pathlib import Path

from eval.entity_scores import KindScore, heldout_path, read_gold, table


def test_the_held_out_split_lives_beside_the_dev_gold() -> None:
    assert heldout_path(Path("eval/data/entities.jsonl")) == Path(
        "eval/data/entities_heldout.jsonl"
    )
    assert heldout_path(Path("eval/data/entities.jsonl")).is_file()


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
