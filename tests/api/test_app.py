"""The HTTP API on a real index of the corpus: what a journalist's page or script gets back."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import TOKEN_ENV, create_app, default_upload_dir
from index.models.embedder import Embedder
from index.stores.base import IndexMissing

EXPORTS = "belarus-new-export-markets"
PROSPECTS = "belarus-asia-prospects-for-cooperation"
MINISTERS = "pakistan-belarus-foreign-ministers-meeting"
AKRAM = "pakistan-belarus-relations-akram-2021"
TOKEN = "s3cret-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}

ZUBR_DOC = (
    "Wisent census in the Zubr Lake reserve\n\n"
    "The 2023 survey counted 412 wisent in the Zubr Lake reserve near Brest, the highest number "
    "since records began.1 Rangers attributed the growth to mild winters and to new feeding "
    "grounds.2\n\n" + " " * 49 + "\n"
    "1 Reserve census report [Electronic resource]. - 2023. - URL: https://example.org/zubr-census\n"
    "2 Rangers' bulletin, spring issue. - 2023.\n"
)


def search(client: TestClient, **params: Any) -> dict[str, Any]:
    response = client.get("/api/search", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def wait_for_job(
    client: TestClient, job_id: str, timeout: float = 180.0, *, allow_no_index: bool = False
) -> dict[str, Any]:
    """Poll a job until it ends; every poll also checks that searches are still answered."""
    deadline = time.monotonic() + timeout
    while True:
        job = client.get(f"/api/jobs/{job_id}").json()
        if job["status"] in ("done", "failed"):
            return job
        searched = client.get("/api/search", params={"q": "trade turnover"})
        assert searched.status_code in ((200, 503) if allow_no_index else (200,))
        assert time.monotonic() < deadline, f"job {job_id} still {job['status']}"
        time.sleep(0.2)


# ---- search -------------------------------------------------------------------------------------


def test_search_returns_cited_passages(client: TestClient) -> None:
    data = search(client, q="Which dairy shipped its first products to Libya?")
    top = data["results"][0]
    assert top["doc_id"] == EXPORTS
    assert top["title"] == "Belarus: building on development new export markets"
    assert "Rogachev Dairy Factory" in top["text"]
    # The passage runs onto page 2, where the sentence about Libya is printed.
    assert top["page_start"] <= 2 <= top["page_end"]
    notes = {c["n"]: c for c in top["citations"]}
    assert "shipped the first batch of products to Libya" in notes[5]["note"]
    assert notes[5]["urls"][0].startswith("https://www.belta.by/regions/view/rogachevskij")
    # The marker sits right after the words it sources ("...shipped at the enterprise in April").
    assert top["text"][: notes[5]["offset"]].endswith("in April")
    highlight = top["highlight"]
    assert top["text"][highlight["start"] : highlight["end"]] == highlight["text"]

    answer = data["answer"]
    assert answer["doc_id"] == EXPORTS and answer["page"] == 2
    source = next(h for h in data["results"] if h["chunk_id"] == answer["chunk_id"])
    assert source["text"][answer["start"] : answer["end"]] == answer["text"]


def test_pages_of_results_do_not_overlap(client: TestClient) -> None:
    first = search(client, q="exports to China", k=3, offset=0)
    second = search(client, q="exports to China", k=3, offset=3)
    assert [h["rank"] for h in first["results"]] == [1, 2, 3]
    assert [h["rank"] for h in second["results"]] == [4, 5, 6]
    assert not {h["chunk_id"] for h in first["results"]} & {
        h["chunk_id"] for h in second["results"]
    }
    assert first["total"] == second["total"] >= 6


def test_document_filter_and_mode(client: TestClient) -> None:
    data = search(client, q="trade between Pakistan and Belarus", doc=[MINISTERS, AKRAM], k=20)
    assert data["results"]
    assert {h["doc_id"] for h in data["results"]} <= {MINISTERS, AKRAM}

    exact = search(client, q="Rogachev", mode="bm25")
    assert exact["mode"] == "bm25" and exact["fusion"] is None
    assert all("rogachev" in h["text"].lower() for h in exact["results"])


@pytest.mark.parametrize(
    ("params", "status", "words"),
    [
        ({"q": ""}, 400, "empty"),
        ({"q": "   "}, 400, "empty"),
        ({}, 400, "empty"),
        ({"q": "x" * 501}, 400, "too long"),
        ({"q": "trade", "k": 0}, 422, "k"),
        ({"q": "trade", "k": 101}, 422, "k"),
        ({"q": "trade", "k": "ten"}, 422, "k"),
        ({"q": "trade", "offset": -1}, 422, "offset"),
        ({"q": "trade", "mode": "magic"}, 422, "mode"),
        ({"q": "trade", "fusion": "average"}, 422, "fusion"),
        ({"q": "trade", "doc": "no-such-report"}, 400, "no-such-report"),
    ],
)
def test_bad_searches_get_a_plain_4xx(
    client: TestClient, params: dict[str, Any], status: int, words: str
) -> None:
    response = client.get("/api/search", params=params)
    assert response.status_code == status
    detail = response.json()["detail"]
    assert isinstance(detail, str) and words in detail


# ---- documents and footnotes ---------------------------------------------------------------------


def test_documents_are_listed_with_their_counts(client: TestClient, corpus_dir: Path) -> None:
    response = client.get("/api/documents")
    assert response.status_code == 200
    docs = {d["id"]: d for d in response.json()["documents"]}
    manifest = json.loads((corpus_dir / "manifest.json").read_text(encoding="utf-8"))
    assert {Path(e["file"]).stem: e["title"] for e in manifest["documents"]} == {
        i: d["title"] for i, d in docs.items()
    }
    exports = docs[EXPORTS]
    assert exports["footnotes"] == 109
    assert 0 < exports["notes_found"] < exports["footnotes"]  # some notes were lost in the PDF
    assert exports["pages"] > 1 and exports["chunks"] > 10
    assert docs[AKRAM]["authors"] == ["Khalid Taimur Akram"]
    assert docs[AKRAM]["published"] == "2021-03-09"
    assert docs[MINISTERS]["footnotes"] == 0


def test_document_view_places_a_passage_at_its_page(client: TestClient) -> None:
    hit = search(client, q="Rogachev Dairy Factory Libya")["results"][0]
    response = client.get(f"/api/documents/{hit['doc_id']}")
    assert response.status_code == 200
    doc = response.json()
    assert doc["title"] == hit["title"]
    assert len(doc["page_texts"]) == doc["pages"]
    # Map the passage's source range through the runs of each page it spans, as the page does
    # to mark it; a passage may run over a page break.
    marked = []
    for page in doc["page_texts"]:
        if not hit["page_start"] <= page["number"] <= hit["page_end"]:
            continue
        covered = [
            (t + max(s, hit["char_start"]) - s, t + min(s + n, hit["char_end"]) - s)
            for t, s, n in page["runs"]
            if max(s, hit["char_start"]) < min(s + n, hit["char_end"])
        ]
        marked.append(page["text"][covered[0][0] : covered[-1][1]])
    assert " ".join(" ".join(marked).split()) == " ".join(hit["text"].split())

    # The clean text has no note blocks, and markers are placed where the notes are cited.
    assert "BMZ increases pipe exports" not in "".join(p["text"] for p in doc["page_texts"])
    first = doc["page_texts"][0]
    marker = next(m for m in first["markers"] if m["n"] == 2)
    assert first["text"][: marker["offset"]].endswith("$2.287 billion")


def test_footnotes_endpoint(client: TestClient, corpus_dir: Path) -> None:
    response = client.get(f"/api/documents/{EXPORTS}/footnotes")
    assert response.status_code == 200
    data = response.json()
    assert data["doc_id"] == EXPORTS
    notes = {f["n"]: f for f in data["footnotes"]}
    assert len(notes) == 109
    assert set(notes[2]) == {"n", "note", "urls", "markers"}
    assert notes[2]["urls"] == [
        "https://www.belta.by/economics/view/belarus-v-i-kvartale-uvelichila-eksport-tovarov-i-"
        "uslug-na-195-do-103-mlrd-441081-2021/"
    ]
    source = (corpus_dir / f"{EXPORTS}.txt").read_text(encoding="utf-8")
    (marker,) = notes[2]["markers"]
    assert marker["page"] == 1
    assert source[marker["char_start"] - 14 : marker["char_start"] + 1] == "$2.287 billion2"

    lost = client.get(f"/api/documents/{PROSPECTS}/footnotes").json()["footnotes"]
    assert any(f["note"] is None for f in lost)


@pytest.mark.parametrize(
    "path",
    ["/api/documents/no-such-report", "/api/documents/no-such-report/footnotes", "/api/jobs/nope"],
)
def test_unknown_things_are_404(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert "no-such-report" in response.json()["detail"] or "nope" in response.json()["detail"]


def test_health(client: TestClient) -> None:
    health = client.get("/api/health").json()
    assert health["index_loaded"] is True
    assert health["documents"] == 5
    docs = client.get("/api/documents").json()["documents"]
    assert health["chunks"] == sum(d["chunks"] for d in docs)
    assert health["model"] == "intfloat/multilingual-e5-small"
    assert health["second_model"] == "sentence-transformers/all-MiniLM-L6-v2"


def test_health_polls_count_the_documents_once_per_index_generation(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The page polls health every few seconds: the document list is read when an index is
    # loaded (the searcher counts it then), never per poll.
    with client.app.state.slot.lease_loaded() as current:  # type: ignore[attr-defined]
        store = current.store
    reads: list[int] = []
    listing = type(store).documents

    def counted(self: Any) -> list[Any]:
        reads.append(1)
        return listing(self)

    monkeypatch.setattr(type(store), "documents", counted)
    first = client.get("/api/health").json()
    assert [client.get("/api/health").json() for _ in range(5)] == [first] * 5
    assert reads == []
    assert first["documents"] == 5


def test_without_an_index_the_app_refuses_or_says_why(tmp_path: Path, embedder: Embedder) -> None:
    with pytest.raises(IndexMissing, match="citesearch index"):
        create_app(tmp_path / "index", embedder=embedder, api_token=None)
    app = create_app(tmp_path / "index", embedder=embedder, api_token=None, require_index=False)
    with TestClient(app) as client:
        health = client.get("/api/health").json()
        assert health["index_loaded"] is False and "no index" in health["detail"]
        response = client.get("/api/search", params={"q": "trade"})
        assert response.status_code == 503
        assert "citesearch index" in response.json()["detail"]


# ---- the page and its headers ----------------------------------------------------------------


def test_page_is_served_with_a_strict_csp(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert "text/html" in response.headers["content-type"]
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    html = response.text
    # Every script is a file of ours; no inline code, no inline event handlers, nothing remote.
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert scripts[0] == '<script src="/static/app.js" defer>'  # the others build on it
    assert all(re.fullmatch(r'<script src="/static/[a-z]+\.js" defer>', s) for s in scripts)
    assert not re.search(r"\son[a-z]+\s*=", html, re.IGNORECASE)
    assert "http://" not in html and "https://" not in html
    assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', html)
    assert {"/static/app.js", "/static/style.css"} <= set(assets)
    for asset in assets:
        assert client.get(asset).status_code == 200, asset


def test_api_sends_security_headers_and_no_cors(client: TestClient) -> None:
    response = client.get(
        "/api/search", params={"q": "trade"}, headers={"Origin": "https://elsewhere.example"}
    )
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert "access-control-allow-origin" not in response.headers
    preflight = client.options(
        "/api/search",
        headers={"Origin": "https://elsewhere.example", "Access-Control-Request-Method": "GET"},
    )
    assert "access-control-allow-origin" not in preflight.headers


def test_openapi_documents_every_route_with_a_model(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    routes = {
        ("get", "/api/search"),
        ("get", "/api/documents"),
        ("post", "/api/documents"),
        ("get", "/api/documents/{doc_id}"),
        ("delete", "/api/documents/{doc_id}"),
        ("get", "/api/documents/{doc_id}/footnotes"),
        ("get", "/api/health"),
        ("get", "/api/jobs/{job_id}"),
    }
    found = {(m, p) for p, ops in spec["paths"].items() for m in ops}
    assert routes <= found
    for method, path in routes:
        responses = spec["paths"][path][method]["responses"]
        ok = next(code for code in responses if code.startswith("2"))
        assert "$ref" in responses[ok]["content"]["application/json"]["schema"], (method, path)


# ---- writes ---------------------------------------------------------------------------------------


def test_writes_are_refused_without_a_server_token(client: TestClient) -> None:
    upload = client.post(
        "/api/documents", files={"file": ("zubr.txt", ZUBR_DOC.encode())}, headers=AUTH
    )
    assert upload.status_code == 403
    assert TOKEN_ENV in upload.json()["detail"]
    delete = client.delete(f"/api/documents/{EXPORTS}", headers=AUTH)
    assert delete.status_code == 403
    assert client.get(f"/api/documents/{EXPORTS}").status_code == 200


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"}],
    ids=["missing", "wrong", "not-bearer"],
)
def test_writes_need_the_right_token(
    corpus_index: Path, make_client: Callable[..., TestClient], headers: dict[str, str]
) -> None:
    client = make_client(corpus_index, api_token=TOKEN)
    upload = client.post(
        "/api/documents", files={"file": ("zubr.txt", ZUBR_DOC.encode())}, headers=headers
    )
    assert upload.status_code == 401
    assert "token" in upload.json()["detail"]
    assert client.delete(f"/api/documents/{EXPORTS}", headers=headers).status_code == 401


def test_token_comes_from_the_environment(
    corpus_index: Path, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    with TestClient(create_app(corpus_index, embedder=embedder)) as client:
        wrong = client.post(
            "/api/documents",
            files={"file": ("notes.exe", b"MZ")},
            headers={"Authorization": "Bearer nope"},
        )
        assert wrong.status_code == 401
        # The right token passes; the file type is what is refused then.
        right = client.post("/api/documents", files={"file": ("notes.exe", b"MZ")}, headers=AUTH)
        assert right.status_code == 415


def test_upload_is_indexed_searchable_then_deleted(
    index_copy: Path, make_client: Callable[..., TestClient]
) -> None:
    client = make_client(index_copy, api_token=TOKEN)
    before = search(client, q="wisent census Zubr Lake")
    assert all(h["doc_id"] != "zubr-census" for h in before["results"])

    response = client.post(
        "/api/documents",
        files={"file": ("zubr-census.txt", ZUBR_DOC.encode(), "text/plain")},
        data={"title": "Wisent census 2023"},
        headers=AUTH,
    )
    assert response.status_code == 202, response.text
    job = response.json()
    assert response.headers["location"] == f"/api/jobs/{job['id']}"
    assert job["kind"] == "add" and job["doc_id"] == "zubr-census"
    done = wait_for_job(client, job["id"])
    assert done["status"] == "done", done["error"]

    found = search(client, q="How many wisent were counted in the Zubr Lake reserve?")
    top = found["results"][0]
    assert top["doc_id"] == "zubr-census" and top["title"] == "Wisent census 2023"
    assert "412 wisent" in top["text"]
    note = next(c for c in top["citations"] if c["n"] == 1)
    assert note["urls"] == ["https://example.org/zubr-census"]
    ids = {d["id"] for d in client.get("/api/documents").json()["documents"]}
    assert ids >= {"zubr-census", EXPORTS}
    uploaded = default_upload_dir(index_copy) / "zubr-census.txt"
    assert uploaded.read_text(encoding="utf-8") == ZUBR_DOC

    deleted = client.delete("/api/documents/zubr-census", headers=AUTH)
    assert deleted.status_code == 202
    gone = wait_for_job(client, deleted.json()["id"])
    assert gone["status"] == "done", gone["error"]
    after = search(client, q="How many wisent were counted in the Zubr Lake reserve?")
    assert all(h["doc_id"] != "zubr-census" for h in after["results"])
    assert client.get("/api/documents/zubr-census").status_code == 404
    assert not uploaded.exists()
    assert len(client.get("/api/documents").json()["documents"]) == 5


def test_bad_uploads_are_refused_in_plain_words(
    index_copy: Path, make_client: Callable[..., TestClient]
) -> None:
    client = make_client(index_copy, api_token=TOKEN, max_upload_bytes=2000)

    def upload(name: str, data: bytes) -> tuple[int, str]:
        response = client.post("/api/documents", files={"file": (name, data)}, headers=AUTH)
        return response.status_code, response.json()["detail"]

    status, detail = upload("payload.exe", b"MZ\x90\x00")
    assert status == 415 and ".exe" in detail
    status, detail = upload("report.pdf", b"just text pretending")
    assert status == 400 and "not a PDF" in detail
    status, detail = upload("big.txt", b"word " * 1000)
    assert status == 413 and "too large" in detail
    status, detail = upload("empty.md", b"")
    assert status == 400 and "empty" in detail
    status, detail = upload(f"{EXPORTS}.txt", b"A different text.")
    assert status == 409 and "rename" in detail
    # Deleting a document of the server's corpus is refused: it is managed by `citesearch index`.
    response = client.delete(f"/api/documents/{EXPORTS}", headers=AUTH)
    assert response.status_code == 409
    assert client.delete("/api/documents/no-such-report", headers=AUTH).status_code == 404
    assert not list(default_upload_dir(index_copy).glob("*.txt"))


def test_upload_names_cannot_leave_the_upload_folder(
    index_copy: Path, make_client: Callable[..., TestClient]
) -> None:
    client = make_client(index_copy, api_token=TOKEN)
    response = client.post(
        "/api/documents",
        files={"file": ("../../escaped note.txt", b"Minsk hosted a trade fair in May.")},
        headers=AUTH,
    )
    assert response.status_code == 202
    job = response.json()
    assert job["filename"] == "escaped-note.txt"
    uploads = default_upload_dir(index_copy)
    test_root = index_copy.parent.parent
    assert list(test_root.rglob("escaped*")) == [uploads / "escaped-note.txt"]
    assert wait_for_job(client, job["id"])["status"] == "done"


def test_first_upload_builds_the_index(
    tmp_path: Path, make_client: Callable[..., TestClient]
) -> None:
    client = make_client(tmp_path / "index", api_token=TOKEN, require_index=False)
    response = client.post(
        "/api/documents", files={"file": ("zubr-census.txt", ZUBR_DOC.encode())}, headers=AUTH
    )
    assert response.status_code == 202
    job = wait_for_job(client, response.json()["id"], allow_no_index=True)
    assert job["status"] == "done", job["error"]
    assert client.get("/api/health").json()["documents"] == 1
    top = search(client, q="wisent survey near Brest")["results"][0]
    assert top["doc_id"] == "zubr-census" and "412 wisent" in top["text"]
