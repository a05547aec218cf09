"""API and browser fixtures over the session's corpus index (``tests/conftest.py``).

Loading the model takes seconds and indexing the corpus about a minute on two cores, so both are
done once; a test that changes an index works on its own copy (``index_copy``).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from index.models.embedder import Embedder


@pytest.fixture()
def index_copy(corpus_index: Path, tmp_path: Path) -> Path:
    """A private copy of the corpus index (generation directories, symlink and all)."""
    root = tmp_path / "copy"
    shutil.copytree(corpus_index.parent, root, symlinks=True)
    return root / corpus_index.name


@pytest.fixture(scope="session")
def client(corpus_index: Path, embedder: Embedder) -> Iterator[TestClient]:
    """A read-only app on the corpus index (writes refused: no token)."""
    app = create_app(corpus_index, embedder=embedder, api_token=None)
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture()
def make_client(embedder: Embedder) -> Iterator[Callable[..., TestClient]]:
    """``make_client(index_dir, api_token=..., ...)``: an app of one's own, closed after the test."""
    opened: list[TestClient] = []

    def make(index_dir: Path, **options: object) -> TestClient:
        test_client = TestClient(create_app(index_dir, embedder=embedder, **options))  # type: ignore[arg-type]
        test_client.__enter__()
        opened.append(test_client)
        return test_client

    yield make
    for test_client in opened:
        test_client.__exit__(None, None, None)
