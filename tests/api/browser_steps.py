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


# The folder the session's corpus index is built from (tests/conftest.py): its files download.
CORPUS_DIR = Path(__file__).resolve().parents[2] / "corpus"

# A row whose job has ended, one way or another (data-stage of #job-list .job).
SETTLED = ("done", "failed", "interrupted", "refused", "error", "removed")


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
