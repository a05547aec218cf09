"""Citations and result lists out: ``citesearch search --format`` and ``api.export``."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from api.cli import main

QUERY = "Which dairy shipped its first products to Libya?"


def _search(capsys: pytest.CaptureFixture[str], index: Path, *options: str) -> str:
    assert main(["search", QUERY, "-k", "5", "--index-dir", str(index), *options]) == 0
    return capsys.readouterr().out


def test_search_formats_agree(corpus_index: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = json.loads(_search(capsys, corpus_index, "--format", "json"))
    assert data == json.loads(_search(capsys, corpus_index, "--json")) | {
        "took_ms": data["took_ms"]
    }

    rows = list(csv.DictReader(io.StringIO(_search(capsys, corpus_index, "--format", "csv"))))
    assert [r["chunk_id"] for r in rows] == [h["chunk_id"] for h in data["results"]]
    first, hit = rows[0], data["results"][0]
    assert first["title"] == "Belarus: building on development new export markets"
    assert first["pages"] == f"p. {hit['page_start']}" or first["pages"].startswith("pp. ")
    assert first["quote"] == hit["highlight"]["text"]
    assert "[5] " in first["footnotes"] and "Libya" in first["footnotes"]
    assert "https://www.belta.by/regions/view/rogachevskij" in first["urls"]

    markdown = _search(capsys, corpus_index, "--format", "markdown")
    assert markdown.startswith(f"# {QUERY}\n\n## Answer\n\n> ")
    assert "\n## 1. Belarus: building on development new export markets, p" in markdown
    assert "<https://www.belta.by/regions/view/rogachevskij" in markdown

    text = _search(capsys, corpus_index)
    assert text.startswith(("Answer (strong match): ", "Answer (partial match): "))
