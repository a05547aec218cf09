"""Tags, stars and notes through the API: writes need the token, plain 4xx for bad input, hits
and documents carry them, ``tag:``/``starred:`` narrow a search (its facet counts agree), the
exports hold them, and a passage's tag survives re-indexing its document (flagged, never dropped,
when its text changed). A tiny index of its own, built with the hash encoder."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hash_fixtures import embedder  # noqa: F401 (fixture)

from api.app import create_app
from api.cli import main
from api.export import render
from api.schema import SearchResponse
from index.build import build_index
from index.models.hash_encoder import HashEncoder

TOKEN = "annotations-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def _report(places: list[str]) -> str:
    """A report of one paragraph per place, each one long sentence: one passage each, so a
    paragraph added before another leaves that one's passage text as it was."""
    paragraphs = [
        f"Belarusian tractors were shipped to {p} in {1990 + len(p)}"
        + f", and the dealers in {p} sold them to farms within a season" * 11
        + "."
        for p in places
    ]
    return "Tractor exports\n\n" + "\n\n".join(paragraphs) + "\n"


@dataclass
class Served:
    client: TestClient
    corpus: Path
    index: Path
    embedder: HashEncoder

    def reindex(self, name: str, text: str) -> None:
        (self.corpus / name).write_text(text, encoding="utf-8")
        build_index([self.corpus], self.index, embedder=self.embedder)
        self.client.app.state.slot.refresh()  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, embedder: HashEncoder) -> Iterator[Served]:  # noqa: F811
    root = tmp_path_factory.mktemp("annotations")
    corpus = root / "corpus"
    corpus.mkdir()
    (corpus / "tractors.txt").write_text(_report(["Pakistan", "Vietnam", "Kenya"]), "utf-8")
    (corpus / "moved.txt").write_text(_report(["Chile", "Peru"]), "utf-8")
    (corpus / "dairy.txt").write_text(
        "Dairy exports\n\n" + "Belarusian cheese and tractors reached Egypt. " * 30, "utf-8"
    )
    index = root / "index"
    build_index([corpus], index, embedder=embedder)
    app = create_app(index, embedder=embedder, api_token=TOKEN, follow_seconds=None)
    with TestClient(app) as client:
        yield Served(client, corpus, index, embedder)


def _ok(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


def _passages(client: TestClient, q: str, **params: Any) -> list[dict[str, Any]]:
    return _ok(client.get("/api/search", params={"q": q, "k": 50, **params}))["results"]


def test_writes_need_the_token_and_reads_do_not(served: Served) -> None:
    c = served.client
    refused = c.post("/api/documents/tractors/tags", json={"tag": "x"})
    assert refused.status_code == 401
    wrong = c.put("/api/documents/tractors/star", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    assert _ok(c.get("/api/documents/tractors/annotations"))["annotations"] == []


def test_bad_tags_notes_and_targets_are_plain_4xx(served: Served) -> None:
    c = served.client
    cases = [
        (c.post("/api/documents/nowhere/tags", json={"tag": "x"}, headers=AUTH), 404, "nowhere"),
        (c.put("/api/documents/tractors/passages/999/star", headers=AUTH), 404, "999"),
        (c.post("/api/documents/tractors/tags", json={"tag": "  "}, headers=AUTH), 400, "tag"),
        (
            c.post("/api/documents/tractors/tags", json={"tag": "t" * 61}, headers=AUTH),
            400,
            "too long",
        ),
        (
            c.put("/api/documents/tractors/note", json={"note": "n" * 10_001}, headers=AUTH),
            400,
            "too long",
        ),
        (c.delete("/api/documents/tractors/tags/absent", headers=AUTH), 404, "absent"),
        (c.post("/api/documents/tractors/tags", json={}, headers=AUTH), 422, "tag"),
    ]
    for response, status, word in cases:
        assert response.status_code == status, response.text
        detail = response.json()["detail"]
        assert word in detail and "Traceback" not in detail and "/tmp" not in detail


def test_a_passage_and_a_document_carry_their_tags_star_and_note(served: Served) -> None:
    c = served.client
    hit = next(h for h in _passages(c, "Vietnam dealers") if h["doc_id"] == "tractors")
    path = f"/api/documents/tractors/passages/{hit['chunk_id'].replace('#', '%23')}"
    _ok(c.post(f"{path}/tags", json={"tag": "to check"}, headers=AUTH))
    _ok(c.put(f"{path}/star", headers=AUTH))
    saved = _ok(c.put(f"{path}/note", json={"note": "Ask the dealers."}, headers=AUTH))
    assert saved["chunk_id"] == hit["chunk_id"] and saved["tags"] == ["to check"]
    _ok(c.post("/api/documents/dairy/tags", json={"tag": "Dairy"}, headers=AUTH))
    _ok(c.put("/api/documents/dairy/note", json={"note": "Whole report"}, headers=AUTH))

    again = next(h for h in _passages(c, "Vietnam dealers") if h["chunk_id"] == hit["chunk_id"])
    assert again["annotations"]["tags"] == ["to check"]
    assert again["annotations"]["starred"] is True
    assert again["annotations"]["note"] == "Ask the dealers."
    dairy = next(h for h in _passages(c, "cheese Egypt") if h["doc_id"] == "dairy")
    assert dairy["annotations"]["tags"] == [] and dairy["annotations"]["document_tags"] == ["Dairy"]
    listed = {d["id"]: d["annotations"] for d in _ok(c.get("/api/documents"))["documents"]}
    assert listed["dairy"]["tags"] == ["Dairy"] and listed["dairy"]["note"] == "Whole report"
    assert listed["tractors"]["tags"] == []
    tagged = _ok(c.get("/api/annotations", params={"tag": "TO CHECK"}))["annotations"]
    assert [(a["doc_id"], a["chunk_id"]) for a in tagged] == [("tractors", hit["chunk_id"])]

    # The exports: JSON carries them, CSV and Markdown say them.
    response = SearchResponse.model_validate(
        _ok(c.get("/api/search", params={"q": "Vietnam dealers"}))
    )
    rows = list(csv.DictReader(io.StringIO(render(response, "csv", {}))))
    row = next(r for r in rows if r["chunk_id"] == hit["chunk_id"])
    assert (row["tags"], row["starred"], row["note"]) == ("to check", "yes", "Ask the dealers.")
    assert "**Note:** Ask the dealers." in render(response, "markdown", {})
    assert '"note": "Ask the dealers."' in render(response, "json", {})

    # Untag, unstar, delete the note: gone from the hit.
    _ok(c.delete(f"{path}/tags/To%20Check", headers=AUTH))
    _ok(c.delete(f"{path}/star", headers=AUTH))
    cleared = _ok(c.delete(f"{path}/note", headers=AUTH))
    assert (cleared["tags"], cleared["starred"], cleared["note"]) == ([], False, None)
    assert c.get("/api/annotations", params={"tag": "to check"}).json()["annotations"] == []


def test_tag_and_starred_filters_narrow_the_search_and_the_facets_agree(served: Served) -> None:
    c = served.client
    hits = [h for h in _passages(c, "tractors farms") if h["doc_id"] == "tractors"][:2]
    for h in hits:
        path = f"/api/documents/tractors/passages/{h['chunk_id'].replace('#', '%23')}"
        _ok(c.post(f"{path}/tags", json={"tag": "review"}, headers=AUTH))
    _ok(c.post("/api/documents/dairy/tags", json={"tag": "review"}, headers=AUTH))
    _ok(c.put("/api/documents/moved/star", headers=AUTH))

    data = _ok(c.get("/api/search", params={"q": 'tractors tag:"review"', "k": 50}))
    found = {h["chunk_id"] for h in data["results"]}
    dairy = {h["chunk_id"] for h in _passages(c, "tractors", doc="dairy")}
    assert found == {h["chunk_id"] for h in hits} | dairy
    counts = {v["value"]: v["count"] for v in data["facets"]["document"]}
    assert sum(counts.values()) == data["with_words"] + data["by_meaning"] == len(found)
    assert counts["dairy"] == len(dairy)
    by_param = _ok(c.get("/api/search", params={"q": "tractors", "tag": "Review", "k": 50}))
    assert {h["chunk_id"] for h in by_param["results"]} == found

    starred = _passages(c, "tractors starred:yes")
    assert starred and {h["doc_id"] for h in starred} == {"moved"}
    assert {h["doc_id"] for h in _passages(c, "tractors", starred="true")} == {"moved"}
    both = c.get("/api/search", params={"q": 'tractors starred:yes tag:"review"'})
    assert both.status_code == 400 and "starred" in both.json()["detail"]
    unknown = c.get("/api/search", params={"q": "tractors tag:nothing-like-it"})
    assert unknown.status_code == 400 and "nothing-like-it" in unknown.json()["detail"]
    assert c.get("/api/search", params={"q": "tractors starred:maybe"}).status_code == 400


def test_the_command_line_reads_the_tags_kept_beside_the_index(
    served: Served, capsys: pytest.CaptureFixture[str]
) -> None:
    _ok(served.client.post("/api/documents/dairy/tags", json={"tag": "desk"}, headers=AUTH))
    code = main(
        ["search", "tractors tag:desk", "--json", "-k", "50", "--index-dir", str(served.index)]
    )
    out, err = capsys.readouterr()
    assert code == 0, err
    found = {h["doc_id"] for h in json.loads(out)["results"]}
    assert found == {"dairy"}
    assert main(["search", "tractors tag:nowhere", "--index-dir", str(served.index)]) == 2
    assert "nowhere" in capsys.readouterr().err


def test_a_passage_tag_survives_re_indexing_and_is_flagged_when_its_text_changes(
    served: Served,
) -> None:
    c = served.client
    hit = next(
        h for h in _passages(c, "Peru dealers") if h["doc_id"] == "moved" and "Peru" in h["text"]
    )
    path = f"/api/documents/moved/passages/{hit['chunk_id'].replace('#', '%23')}"
    _ok(c.post(f"{path}/tags", json={"tag": "kept"}, headers=AUTH))

    # Text added before it: the passage moves (new offsets, maybe a new id); the tag follows.
    served.reindex("moved.txt", _report(["Bolivia", "Chile", "Peru"]))
    kept = _ok(c.get("/api/documents/moved/annotations"))["annotations"]
    tagged = [a for a in kept if "kept" in a["tags"]]
    assert len(tagged) == 1 and not tagged[0]["changed"]
    assert tagged[0]["char_start"] > hit["char_start"] and tagged[0]["chunk_id"] != hit["chunk_id"]
    again = next(h for h in _passages(c, 'Peru tag:"kept"'))
    assert again["text"] == hit["text"] and again["annotations"]["tags"] == ["kept"]

    # Its own text changed: kept on the document, flagged; no passage to filter to.
    served.reindex("moved.txt", _report(["Bolivia", "Chile", "Ecuador"]))
    kept = _ok(c.get("/api/documents/moved/annotations"))["annotations"]
    flagged = [a for a in kept if "kept" in a["tags"]]
    assert len(flagged) == 1 and flagged[0]["changed"] and flagged[0]["chunk_id"] is None
    assert c.get("/api/search", params={"q": 'Peru tag:"kept"'}).status_code == 400
