"""A slice of Vaswani shared by the evaluation tests: small enough to index in seconds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval.beir import load_beir

VASWANI = Path(__file__).resolve().parents[3] / "shared" / "benchmarks" / "vaswani"


@pytest.fixture(scope="session")
def vaswani_slice(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three Vaswani queries with every judged abstract, plus 80 other abstracts, as a BEIR folder."""
    full = load_beir(VASWANI)
    query_ids = ["1", "2", "3"]
    keep = {doc for qid in query_ids for doc in full.qrels[qid]}
    keep |= set(list(full.corpus)[:80])
    folder = tmp_path_factory.mktemp("vaswani-slice") / "vaswani-slice"
    (folder / "qrels").mkdir(parents=True)
    with (folder / "corpus.jsonl").open("w", encoding="utf-8") as f:
        for doc_id in sorted(keep, key=int):
            title, text = full.corpus[doc_id]
            f.write(json.dumps({"_id": doc_id, "title": title, "text": text}) + "\n")
    with (folder / "queries.jsonl").open("w", encoding="utf-8") as f:
        for qid in query_ids:
            f.write(json.dumps({"_id": qid, "text": full.queries[qid]}) + "\n")
    rows = [f"{q}\t{d}\t{g}\n" for q in query_ids for d, g in sorted(full.qrels[q].items())]
    (folder / "qrels" / "test.tsv").write_text(
        "query-id\tcorpus-id\tscore\n" + "".join(rows), encoding="utf-8"
    )
    return folder
