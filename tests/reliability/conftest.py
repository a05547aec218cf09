"""Fixtures of the reliability tests: private index copies and generated PDFs."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from reliability_support import write_pages_pdf


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
