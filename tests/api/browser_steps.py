"""Steps the browser tests share: a writable copy of an index served on 127.0.0.1, and adding a
file from the page's "Add documents" panel."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from test_app import TOKEN

from api.app import create_app
from api.local_server import running_server
from index.build import BuildReport, build_index

# Mechanics only: a module that imports these two fixtures serves the corpus indexed with the
# hash encoder (tests/conftest.py), not the real model.


@pytest.fixture(scope="module", name="embedder")
def hash_embedder(hash_encoder: Any) -> Any:
    return hash_encoder


@pytest.fixture(scope="module", name="corpus_index")
def hash_corpus(hash_corpus_index: Path) -> Path:
    return hash_corpus_index


# axe-core impacts that fail a page (axe_problems).
BLOCKING = ("serious", "critical")


def axe_problems(page: Any, where: str) -> list[str]:
    """What axe-core finds serious or critical on the page as it is now, one line per rule."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    found = [v for v in results.response["violations"] if v["impact"] in BLOCKING]
    return [
        f"{where}: {v['id']} ({v['impact']}) {v['help']}: "
        + "; ".join(", ".join(n["target"]) for n in v["nodes"][:5])
        for v in found
    ]


@contextmanager
def served_page(index_dir: Path, embedder: Any) -> Iterator[tuple[Any, str]]:
    """A Chromium page (1200x900, page errors kept in ``page.errors``) and the URL of
    ``index_dir`` served read-only; skipped without Chromium, failed on CI."""
    import os

    from api.screenshot import CHROMIUM_PATH, launch_chromium

    if not CHROMIUM_PATH.exists():
        message = f"{CHROMIUM_PATH} is not installed (run `make browser`)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message}: CI must run the browser tests")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    app = create_app(index_dir, embedder=embedder, api_token=None)
    with running_server(app) as url, sync_playwright() as p:
        chromium = launch_chromium(p)
        context = chromium.new_context(viewport={"width": 1200, "height": 900})
        page = context.new_page()
        page.errors = []
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        page.set_default_timeout(60_000)
        yield page, url
        context.close()
        chromium.close()


# The folder the session's corpus index is built from (tests/conftest.py): its files download.
CORPUS_DIR = Path(__file__).resolve().parents[2] / "corpus"

# A row whose job has ended, one way or another (data-stage of #job-list .job).
SETTLED = ("done", "failed", "interrupted", "refused", "error", "removed")


def copy_with(index_dir: Path, folder: Path, embedder: Any, root: Path) -> tuple[Path, BuildReport]:
    """A copy of ``index_dir`` under ``root`` with the files of ``folder`` added to it, and the
    build's report."""
    shutil.copytree(index_dir.parent, root / "index-root", symlinks=True)
    copy = root / "index-root" / index_dir.name
    return copy, build_index([folder], copy, embedder=embedder, prune=False)


@contextmanager
def writable_server(index_dir: Path, embedder: Any, root: Path) -> Iterator[str]:
    """A copy of ``index_dir`` (under ``root``) served with the upload token ``TOKEN``, its corpus
    files downloadable."""
    shutil.copytree(index_dir.parent, root / "index-root", symlinks=True)
    app = create_app(
        root / "index-root" / index_dir.name,
        embedder=embedder,
        api_token=TOKEN,
        corpus_dirs=[CORPUS_DIR],
    )
    with running_server(app) as url:
        yield url


@pytest.fixture(scope="module", name="writable_url")
def writable_site(
    corpus_index: Path, embedder: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The corpus index served with an upload token, for the module's tests."""
    with writable_server(corpus_index, embedder, tmp_path_factory.mktemp("writable")) as url:
        yield url


def open_uploads(page: Any, url: str, token: str | None = TOKEN) -> None:
    """Load the page (holding ``token`` for this tab, when given) and open "Add documents"."""
    page.goto(url)
    if token is not None:
        page.evaluate("t => sessionStorage.setItem('citesearch-token', t)", token)
    page.locator("#uploads summary").click()
    page.wait_for_function("() => !document.getElementById('file-input').disabled")


def choose_file(page: Any, name: str, data: bytes, mime: str = "text/plain") -> None:
    """Pick one file in the panel's file chooser."""
    page.set_input_files("#file-input", files=[{"name": name, "mimeType": mime, "buffer": data}])


def row_of(page: Any, name: str) -> Any:
    """The job row of the file ``name``."""
    return page.locator("#job-list .job", has=page.locator(".job-name", has_text=name))


def wait_settled(page: Any, name: str, timeout: float = 120_000) -> Any:
    """The row of ``name`` once its job has ended; returns the row."""
    page.wait_for_function(
        """([name, settled]) => [...document.querySelectorAll('#job-list .job')].some(
             r => r.querySelector('.job-name').textContent === name
                  && settled.includes(r.dataset.stage))""",
        arg=[name, list(SETTLED)],
        timeout=timeout,
    )
    return row_of(page, name)
