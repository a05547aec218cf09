"""The query language through ``citesearch search``: each form in the printed JSON, malformed
queries refused with the reason and exit code 2, and the syntax in ``--help``.

The command runs in-process with the session's searcher (loading the model again for each call
would cost seconds apiece); everything after ``open_searcher`` is the command's own code.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import retrieval.search
from api.cli import main
from retrieval.search import Searcher

EXPORTS = "belarus-new-export-markets"


@pytest.fixture()
def run_search(
    corpus_index: Path,
    searcher: Searcher,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(retrieval.search, "open_searcher", lambda *a, **kw: searcher)

    def run(query: str, *options: str) -> tuple[int, Any, str]:
        code = main(
            ["search", query, "--json", "-k", "20", "--index-dir", str(corpus_index), *options]
        )
        out, err = capsys.readouterr()
        return code, json.loads(out) if code == 0 else None, err

    return run


def texts(data: dict[str, Any]) -> list[str]:
    return [" ".join(h["text"].lower().split()) for h in data["results"]]


@pytest.mark.parametrize("mode", ["bm25", "hybrid"])
def test_each_form_from_the_command_line(run_search, mode: str) -> None:  # type: ignore[no-untyped-def]
    def ok(query: str) -> dict[str, Any]:
        code, data, err = run_search(query, "--mode", mode)
        assert code == 0, err
        return data  # type: ignore[no-any-return]

    assert all("great stone" in t for t in texts(ok('"Great Stone"')))
    assert ok('"Stone Great"')["results"] == []
    assert not any("tractor" in t for t in texts(ok("Pakistan -tractors")))
    assert not any("tractor" in t for t in texts(ok("Pakistan NOT tractors")))
    either = texts(ok('"Great Stone" OR Vietnam'))
    assert either and all("great stone" in t or "vietnam" in t for t in either)
    assert "tractor" in texts(ok("tract*"))[0]
    assert "tractor" in texts(ok("tractr~ Pakistan"))[0]
    assert {h["doc_id"] for h in ok(f"tractors doc:{EXPORTS}")["results"]} == {EXPORTS}
    fixed = ok("tractr exports afrika")
    assert fixed["suggestion"] == fixed["searched_for"] == "tractor exports africa"


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ('"Great Stone', "unbalanced quote"),
        ("Pakistan OR", "OR at the end"),
        ("tract *", "'*' alone"),
        ("tractors doc:nowhere", "unknown document in doc:nowhere"),
    ],
)
def test_malformed_queries_are_refused_with_the_reason(run_search, query: str, words: str) -> None:  # type: ignore[no-untyped-def]
    code, _, err = run_search(query)
    assert code == 2
    assert words in err


def test_search_help_shows_the_syntax(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["search", "--help"])
    text = capsys.readouterr().out
    for form in ('"Great Stone"', "-tractors", "NOT", "OR", "tract*", "tractr~", "doc:ID"):
        assert form in text
