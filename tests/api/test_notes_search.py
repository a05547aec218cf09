"""Notes searched through GET /api/search and ``citesearch search``, on the corpus index: "Pivovar",
named only in notes, finds the passages citing him with the note as the reason; ``cites:belta.by``
finds the passages whose notes link to BelTA; an unknown ``cites:`` is an answer of no passages
that says so, not an error. The page: tests/api/test_browser_query.py."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

import retrieval.search
from api.cli import main
from retrieval.search import Searcher


def search(client: TestClient, **params: Any) -> dict[str, Any]:
    response = client.get("/api/search", params={"k": 20, **params})
    assert response.status_code == 200, response.text
    return response.json()


def test_a_name_only_notes_hold_through_the_api(client: TestClient) -> None:
    data = search(client, q="Pivovar")
    assert data["missing"] == []
    first = data["results"][:5]
    assert len(first) == 5
    for hit in first:
        note = hit["matched_note"]
        assert note is not None and "Pivovar" in note["note"]
        assert any(c["n"] == note["n"] for c in hit["citations"])
        assert "pivovar" not in hit["text"].lower()


def test_cites_a_domain_through_the_api(client: TestClient) -> None:
    data = search(client, q="cites:belta.by", k=50)
    assert data["total"] > 50 and data["results"]
    for hit in data["results"]:
        note = hit["matched_note"]
        assert note is not None and any("belta.by" in url for url in note["urls"])
    # With words: the passages about them (in their text or their notes) among those citing
    # BelTA, the text's own first.
    tractors = search(client, q="tractors cites:belta.by", mode="bm25")
    assert "tractor" in tractors["results"][0]["text"].lower()
    for hit in tractors["results"]:
        notes = " ".join(c["note"] or "" for c in hit["citations"]).lower()
        assert "tractor" in hit["text"].lower() or "tractor" in notes
        assert any("belta.by" in url for c in hit["citations"] for url in c["urls"])


def test_cites_of_an_unknown_domain_is_no_passage_and_says_so(client: TestClient) -> None:
    data = search(client, q="cites:belta.bz")
    assert data["results"] == [] and data["total"] == 0
    assert data["missing"] == ["cites:belta.bz"]
    assert data["suggestion"] == "cites:belta.by"
    response = client.get("/api/search", params={"q": "cites:"})
    assert response.status_code == 400
    assert "cites: needs a domain or a name" in response.text


@pytest.fixture()
def run_search(
    corpus_index: Path,
    searcher: Searcher,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(retrieval.search, "open_searcher", lambda *a, **kw: searcher)

    def run(query: str, *options: str) -> tuple[int, str, str]:
        code = main(["search", query, "--index-dir", str(corpus_index), *options])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_notes_from_the_command_line(run_search) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run_search("Pivovar", "-k", "3")
    assert code == 0, err
    assert "Missing: Pivovar" not in out
    reasons = [line for line in out.splitlines() if line.strip().startswith("cited in note")]
    assert len(reasons) == 3 and all("Pivovar" in line for line in reasons)

    code, out, err = run_search("cites:belta.by", "-k", "5", "--json")
    assert code == 0, err
    hits = json.loads(out)["results"]
    assert len(hits) == 5
    assert all(any("belta.by" in u for u in h["matched_note"]["urls"]) for h in hits)

    code, out, err = run_search("cites:belta.bz")
    assert code == 0, err
    assert "No note cites belta.bz" in out and "No passages found." in out


def test_search_help_shows_cites(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["search", "--help"])
    text = capsys.readouterr().out
    assert "cites:belta.by" in text and "cites:Pivovar" in text
