"""Where the real test data lives, and cached parses of it shared by the test modules.

The corpus is in the repository; the real PDFs are in ``../shared/pdfs`` next to it and are not
copied in. A PDF test is skipped when that folder is absent, except on CI (``CI=true``), where a
missing PDF is a failure: CI must run them.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from index.parse import parse_file
from index.records import ParsedDocument

REPO_ROOT = Path(__file__).resolve().parents[1]
CORPUS_DIR = REPO_ROOT / "corpus"
SHARED_PDFS = REPO_ROOT.parent / "shared" / "pdfs"

# The model ships in a package; nothing may be fetched from the Hub while testing.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def _shared_pdf(name: str) -> Path:
    path = SHARED_PDFS / name
    if not path.is_file():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{path} is missing; CI must run the PDF tests")
        pytest.skip(f"{path} is absent (the real PDFs live outside the repository)")
    return path


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    return CORPUS_DIR


@pytest.fixture(scope="session")
def shared_pdf() -> Callable[[str], Path]:
    """``shared_pdf("R-intro.pdf")``: the path, or a skip (a failure on CI) when absent."""
    return _shared_pdf


@pytest.fixture(scope="session")
def parsed_doc() -> Callable[[str], ParsedDocument]:
    """``parsed_doc("belarus-new-export-markets")`` or ``parsed_doc("R-intro.pdf")``, parsed once.

    A name with a suffix is a shared PDF; without one, a corpus document's stem.
    """
    cache: dict[str, ParsedDocument] = {}

    def parse(name: str) -> ParsedDocument:
        if name not in cache:
            path = _shared_pdf(name) if name.endswith(".pdf") else CORPUS_DIR / f"{name}.txt"
            cache[name] = parse_file(path)
        return cache[name]

    return parse


VASWANI = REPO_ROOT.parent / "shared" / "benchmarks" / "vaswani"


@pytest.fixture(scope="session")
def model_embedder():  # type: ignore[no-untyped-def]
    """The real models (e5, MiniLM beside it), loaded once for the whole session."""
    from index.models.embedder import Embedder

    return Embedder()


@pytest.fixture(scope="session")
def embedder(model_embedder):  # type: ignore[no-untyped-def]
    """The real models; a folder whose tests check mechanics only may make this the hash encoder
    (``tests/reliability/conftest.py``), and ``model_embedder`` stays the real one."""
    return model_embedder


@pytest.fixture(scope="session")
def model_corpus_index(tmp_path_factory: pytest.TempPathFactory, model_embedder) -> Path:  # type: ignore[no-untyped-def]
    """The default corpus indexed once per session with the real models; tests must not modify
    it."""
    from index.build import build_index

    index_dir = tmp_path_factory.mktemp("corpus-index") / "index"
    report = build_index([CORPUS_DIR], index_dir, embedder=model_embedder)
    assert not report.skipped, report.skipped
    return index_dir


@pytest.fixture(scope="session")
def corpus_index(model_corpus_index: Path) -> Path:
    """The corpus index of ``embedder`` (the real models, unless a folder says otherwise)."""
    return model_corpus_index


@pytest.fixture(scope="session")
def hash_encoder():  # type: ignore[no-untyped-def]
    """The hash encoder (``index.models.hash_encoder``) with a second one beside it, as e5 has
    MiniLM: vectors without a model, for tests of mechanics, never of ranking or answers."""
    from index.models.hash_encoder import HashEncoder

    return HashEncoder.with_second()


@pytest.fixture(scope="session")
def hash_corpus_index(tmp_path_factory: pytest.TempPathFactory, hash_encoder) -> Path:  # type: ignore[no-untyped-def]
    """The default corpus indexed once per session with the hash encoder (two seconds, not a
    minute); a server started on it in a child process serves it with the hash encoder too."""
    from index.build import build_index

    index_dir = tmp_path_factory.mktemp("hash-corpus-index") / "index"
    report = build_index([CORPUS_DIR], index_dir, embedder=hash_encoder)
    assert not report.skipped, report.skipped
    return index_dir


@pytest.fixture(scope="session")
def searcher(model_corpus_index: Path, model_embedder):  # type: ignore[no-untyped-def]
    """A Searcher over the session's corpus index with the real models (read-only: do not add or
    remove documents)."""
    from retrieval.search import open_searcher

    return open_searcher(model_corpus_index, embedder=model_embedder)
