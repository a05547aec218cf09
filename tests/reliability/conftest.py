"""Fixtures of the reliability tests: private index copies and generated PDFs.

Reliability is mechanics (locks, generations, crashes, limits, status codes, memory under load),
so here ``embedder`` is the session's hash encoder and ``corpus_index`` the corpus indexed with
it: no test waits for a model, and a server or indexer started in a child process loads none (it
serves an index with the encoder the index records). A test that needs what a real model does
asks for ``model_embedder`` and ``model_corpus_index`` (``tests/conftest.py``).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from reliability_support import write_pages_pdf


@pytest.fixture(scope="session")
def embedder(hash_encoder):  # type: ignore[no-untyped-def]
    return hash_encoder


@pytest.fixture(scope="session")
def corpus_index(hash_corpus_index: Path) -> Path:
    return hash_corpus_index


@pytest.fixture()
def index_copy(corpus_index: Path, tmp_path: Path) -> Path:
    """A private copy of the session's corpus index (generations, symlink and all)."""
    root = tmp_path / "copy"
    shutil.copytree(corpus_index.parent, root, symlinks=True)
    return root / corpus_index.name


@pytest.fixture(scope="session")
def pages_pdf(tmp_path_factory: pytest.TempPathFactory) -> Callable[[int], Path]:
    """``pages_pdf(2000)``: a generated PDF of that many pages, written once per session."""
    made: dict[int, Path] = {}

    def make(pages: int) -> Path:
        if pages not in made:
            folder = tmp_path_factory.mktemp(f"pdf-{pages}")
            made[pages] = write_pages_pdf(folder / f"pages-{pages}.pdf", pages)
        return made[pages]

    return make
