"""Load a retrieval test collection in BEIR's layout (Thakur et al. 2021, *BEIR*, NeurIPS).

A BEIR folder holds ``corpus.jsonl`` (``{"_id", "title", "text"}`` per line), ``queries.jsonl``
(``{"_id", "text"}``) and ``qrels/<split>.tsv`` (see :mod:`eval.trec`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eval.metrics import Qrels
from eval.trec import read_beir_qrels


@dataclass
class BeirDataset:
    """One split of a BEIR collection: only the queries that the split's qrels judge."""

    corpus: dict[str, tuple[str, str]]
    """Document id -> (title, text); the title is "" when the collection has none."""
    queries: dict[str, str]
    """Query id -> query text."""
    qrels: Qrels


def _require(path: Path) -> Path:
    if not path.is_file():
        raise ValueError(f"{path}: no such file (expected a BEIR collection folder)")
    return path


def _json_records(path: Path, fields: tuple[str, ...]) -> Iterator[tuple[int, dict[str, Any]]]:
    """Numbered JSON objects of a .jsonl file, each checked for string ``fields``."""
    with _require(path).open(encoding="utf-8") as lines:
        for line_no, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{line_no}: not valid JSON ({exc.msg})") from None
            if not isinstance(record, dict):
                raise ValueError(f"{path}:{line_no}: expected a JSON object")
            for field in fields:
                if not isinstance(record.get(field), str):
                    raise ValueError(f"{path}:{line_no}: missing string field {field!r}")
            yield line_no, record


def _check_new_id(path: Path, seen: dict[str, Any], record_id: str, line_no: int) -> None:
    if record_id in seen:
        raise ValueError(f"{path}:{line_no}: id {record_id!r} appears twice")


def load_beir(path: Path, split: str = "test") -> BeirDataset:
    """Read a BEIR collection folder; queries without judgments in ``split`` are left out.

    Raises ``ValueError`` naming the file for a missing file, a malformed line, a repeated id or
    a judged query that ``queries.jsonl`` does not hold.
    """
    corpus_path = path / "corpus.jsonl"
    queries_path = path / "queries.jsonl"
    qrels_path = path / "qrels" / f"{split}.tsv"
    qrels = read_beir_qrels(_require(qrels_path))

    corpus: dict[str, tuple[str, str]] = {}
    for line_no, record in _json_records(corpus_path, ("_id", "text")):
        _check_new_id(corpus_path, corpus, record["_id"], line_no)
        title = record.get("title") or ""
        if not isinstance(title, str):
            raise ValueError(f"{corpus_path}:{line_no}: title is not a string")
        corpus[record["_id"]] = (title, record["text"])

    all_queries: dict[str, str] = {}
    for line_no, record in _json_records(queries_path, ("_id", "text")):
        _check_new_id(queries_path, all_queries, record["_id"], line_no)
        all_queries[record["_id"]] = record["text"]

    missing = sorted(qid for qid in qrels if qid not in all_queries)
    if missing:
        raise ValueError(f"{qrels_path}: judges queries missing from {queries_path}: {missing[:5]}")
    queries = {qid: text for qid, text in all_queries.items() if qid in qrels}
    return BeirDataset(corpus=corpus, queries=queries, qrels=qrels)
