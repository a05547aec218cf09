"""Access: nobody writes without the token, the server listens on loopback only, no other site
may call the API from a browser, and the page shows document text as text under a strict CSP."""

from __future__ import annotations

import ast
import inspect
import json
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import api.app
from api.app import STATIC_DIR, TOKEN_ENV, create_app
from api.cli import build_parser
from index.models.encoder import Encoder

TOKEN = "correct-horse-battery-staple"
ZUBR = ("zubr.txt", b"The 2023 survey counted 412 wisent in the Zubr Lake reserve.")
EXPORTS = "belarus-new-export-markets"


@pytest.fixture()
def app_with(corpus_index: Path, embedder: Encoder) -> Iterator[Callable[..., TestClient]]:
    """``app_with(token=...)``: a client of an app over the corpus index (read-only index use)."""
    opened: list[TestClient] = []

    def make(**options: object) -> TestClient:
        client = TestClient(create_app(corpus_index, embedder=embedder, **options))  # type: ignore[arg-type]
        client.__enter__()
        opened.append(client)
        return client

    yield make
    for client in opened:
        client.__exit__(None, None, None)


def _writes(client: TestClient, headers: dict[str, str]) -> tuple[int, int]:
    upload = client.post("/api/documents", files={"file": ZUBR}, headers=headers)
    delete = client.delete(f"/api/documents/{EXPORTS}", headers=headers)
    return upload.status_code, delete.status_code


@pytest.mark.parametrize("token", [None, ""], ids=["unset", "empty"])
def test_without_a_server_token_every_write_is_refused(
    app_with: Callable[..., TestClient], token: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An empty CITESEARCH_API_TOKEN must not mean "any token will do"."""
    if token is None:
        monkeypatch.delenv(TOKEN_ENV, raising=False)
    else:
        monkeypatch.setenv(TOKEN_ENV, token)
    client = app_with()
    for headers in ({}, {"Authorization": "Bearer "}, {"Authorization": f"Bearer {TOKEN}"}):
        assert _writes(client, headers) == (403, 403)
    assert client.get(f"/api/documents/{EXPORTS}").status_code == 200


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer "},
        {"Authorization": f"Bearer {TOKEN[:-1]}"},
        {"Authorization": f"Bearer {TOKEN}x"},
        {"Authorization": f"Bearer {TOKEN.upper()}"},
        {"Authorization": f"Basic {TOKEN}"},
        {"Authorization": TOKEN},
        {"X-Api-Token": TOKEN},
        {"Cookie": f"token={TOKEN}"},
    ],
    ids=[
        "none",
        "no-token",
        "blank",
        "prefix",
        "longer",
        "other-case",
        "basic",
        "bare",
        "other-header",
        "cookie",
    ],
)
def test_a_wrong_or_missing_token_is_refused(
    app_with: Callable[..., TestClient], headers: dict[str, str]
) -> None:
    client = app_with(api_token=TOKEN)
    assert _writes(client, headers) == (401, 401)
    query = client.post(f"/api/documents?token={TOKEN}", files={"file": ZUBR})
    assert query.status_code == 401
    # The right token in the right place is accepted (the upload is then checked as usual).
    right = client.post(
        "/api/documents",
        files={"file": ("x.exe", b"MZ")},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert right.status_code == 415


def test_the_token_is_compared_in_constant_time() -> None:
    """The only comparison with the token is hmac.compare_digest (no == that leaks timing)."""
    tree = ast.parse(inspect.getsource(api.app))
    compares = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Compare)
        and any(isinstance(n, ast.Name) and n.id in ("token", "given") for n in ast.walk(node))
    ]
    assert compares == [], [ast.unparse(c) for c in compares]
    digests = [
        ast.unparse(node)
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and ast.unparse(node.func) == "hmac.compare_digest"
    ]
    assert digests == ["hmac.compare_digest(given.encode(), token.encode())"]


def test_serve_binds_to_loopback_by_default() -> None:
    """`citesearch serve` without --host listens on 127.0.0.1 (the load test checks the socket)."""
    assert build_parser().parse_args(["serve"]).host == "127.0.0.1"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/search?q=trade"),
        ("POST", "/api/documents"),
        ("DELETE", f"/api/documents/{EXPORTS}"),
    ],
)
def test_no_other_site_may_call_the_api(
    app_with: Callable[..., TestClient], method: str, path: str
) -> None:
    client = app_with(api_token=TOKEN)
    origin = {"Origin": "https://attacker.example"}
    preflight = client.options(
        path,
        headers={
            **origin,
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": "authorization",
        },
    )
    assert preflight.status_code >= 400
    assert not [h for h in preflight.headers if h.lower().startswith("access-control-")]
    simple = client.request(method, path, headers=origin)
    assert not [h for h in simple.headers if h.lower().startswith("access-control-")]


# ---- the page -------------------------------------------------------------------------------


def _policy(header: str) -> dict[str, list[str]]:
    parts = [p.split() for p in header.split(";") if p.strip()]
    return {p[0]: p[1:] for p in parts}


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/static/app.js",
        "/api/search?q=trade",
        "/api/search?q=",
        "/api/nothing",
        "/openapi.json",
    ],
)
def test_every_response_carries_a_csp_that_forbids_inline_script(
    app_with: Callable[..., TestClient], path: str
) -> None:
    response = app_with().get(path)
    policy = _policy(response.headers["content-security-policy"])
    assert policy["script-src"] == ["'self'"]  # no 'unsafe-inline', no 'unsafe-eval', no hosts
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"] and policy["base-uri"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert response.headers["x-content-type-options"] == "nosniff"


APP_JS = (STATIC_DIR / "app.js").read_text(encoding="utf-8")


def test_the_page_script_never_writes_html() -> None:
    """Document text, notes and URLs reach the page as text nodes: no HTML sink in the script."""
    for sink in (
        "innerHTML",
        "outerHTML",
        "insertAdjacentHTML",
        "document.write",
        "eval(",
        "new Function",
        'setTimeout("',
        "srcdoc",
        "createContextualFragment",
    ):
        assert sink not in APP_JS, sink
    # Links: an href is only ever safeHttpUrl(...) (a document's URL) or stateUrl(...) (ours).
    assigned = re.findall(r"(?:const|let|var)\s+href\s*=\s*(\w+)\(", APP_JS)
    explicit = re.findall(r"\bhref:\s*(\w+)\(", APP_JS)
    assert assigned == ["safeHttpUrl"] and explicit and set(explicit) == {"stateUrl"}
    assert not re.search(r"\.href\s*=[^=]|setAttribute\(\s*[\"']href", APP_JS)


def _safe_http_url_js() -> str:
    match = re.search(r"\n  function safeHttpUrl\(raw\) \{.*?\n  \}\n", APP_JS, re.DOTALL)
    assert match, "safeHttpUrl is gone from app.js"
    return match.group(0)


URLS = {
    "https://example.org/report.pdf": "https://example.org/report.pdf",
    "http://belta.by/news?id=1&x=2": "http://belta.by/news?id=1&x=2",
    " HTTPS://Example.org/a ": "https://example.org/a",
    "javascript:alert(1)": None,
    "JaVaScRiPt:alert(1)": None,
    " javascript:alert(1)": None,
    "java\tscript:alert(1)": None,
    "data:text/html,<script>alert(1)</script>": None,
    "vbscript:msgbox(1)": None,
    "//attacker.example/x": None,
    "/api/documents": None,
    "https:attacker.example": None,
    "http://": None,
    "ftp://example.org/file": None,
}


def test_only_http_urls_become_links() -> None:
    """The page's own link filter, run by a real JavaScript engine over hostile URLs."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the link filter is checked in the browser tests")
    script = (
        _safe_http_url_js()
        + f"\nconsole.log(JSON.stringify({json.dumps(list(URLS))}.map(safeHttpUrl)));"
    )
    out = subprocess.run([node, "-e", script], capture_output=True, text=True, check=True).stdout
    assert dict(zip(URLS, json.loads(out), strict=True)) == URLS


def test_the_api_gives_notes_only_http_links(
    index_copy: Path, embedder: Encoder, tmp_path: Path
) -> None:
    """A hostile document's notes: script and javascript: text stays text, links are http(s)."""
    from index.build import build_index

    folder = tmp_path / "hostile"
    folder.mkdir()
    (folder / "lynx.txt").write_text(
        "Lynx census <script>alert(1)</script>\n\n"
        "The census counted 77 lynx in the Naliboki forest.1 Traps were used.2\n\n"
        + " "
        * 49
        + "\n"
        "1 Data <img src=x onerror=alert(2)> javascript:alert(3) https://example.org/lynx\n"
        "2 See data:text/html,<script>alert(4)</script> and vbscript:x and //evil.example/p\n",
        encoding="utf-8",
    )
    assert build_index([folder], index_copy, embedder=embedder, prune=False).added == ["lynx"]
    with TestClient(create_app(index_copy, embedder=embedder, api_token=None)) as client:
        notes = client.get("/api/documents/lynx/footnotes").json()["footnotes"]
        urls = [u for note in notes for u in note["urls"]]
        assert urls == ["https://example.org/lynx"]
        assert all(re.match(r"https?://", u) for u in urls)
        assert "javascript:alert(3)" in notes[0]["note"]  # shown as the text it is
