"""Where the real test data lives, and cached parses of it shared by the test modules.

The corpus is in the repository; the real PDFs are in ``../shared/pdfs`` next to it and are not
copied in. A PDF test is skipped when that folder is absent, except on CI (``CI=true``), where a
missing PDF is a failure: CI must run them.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from index.models.embedder import Embedder
from index.parse import parse_file
from index.records import ParsedDocument

REPO_ROOT = Path(__file__).resolve().parents[1]
CORPUS_DIR = REPO_ROOT / "corpus"
SHARED_PDFS = REPO_ROOT.parent / "shared" / "pdfs"

# The model ships in a package; nothing may be fetched from the Hub while testing.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
# One pytest-xdist worker per core (`make test`): each computes on one thread (torch and OpenMP
# read this when first imported, child processes inherit it), or two workers' threads fight
# over the two cores.
if os.environ.get("PYTEST_XDIST_WORKER"):
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    os.environ.setdefault("MKL_NUM_THREADS", "1")


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


# The real models of this worker, one instance per (model, second model): the session's
# ``model_embedder`` and what the product's own lookups build for an index (the CLI's ``search``
# and ``index`` of a recorded model, a server given no embedder), so that a test running the CLI
# eight times loads the weights, the tokenizers and the ONNX sessions once, not eight times.
_SHARED_MODELS: dict[tuple[str, str | None], Embedder] = {}


def _shared_embedder(model: Any = "e5", *, second: Any = "auto", **options: Any) -> Embedder:
    """``Embedder(model, second=...)`` built once per worker; with other options (a model path,
    a query runtime) a new one, as asked. ``Embedder`` is the class as imported here, before
    any test puts this function in its place."""
    from index.models.specs import DEFAULT_SECOND

    if options:
        return Embedder(model, second=second, **options)
    key = (model, DEFAULT_SECOND[model] if second == "auto" else second)
    if key not in _SHARED_MODELS:
        # e5 alone, or MiniLM alone, is part of an e5 embedder already loaded: the same weights.
        both = _SHARED_MODELS.get(("e5", "minilm"))
        if both is not None and key == ("e5", None):
            _SHARED_MODELS[key] = both.without_second()
        elif both is not None and both.second is not None and key == ("minilm", None):
            _SHARED_MODELS[key] = both.second
        else:
            _SHARED_MODELS[key] = Embedder(model, second=key[1])
    return _SHARED_MODELS[key]


@pytest.fixture(scope="session", autouse=True)
def _models_built_once_per_worker() -> Iterator[None]:
    """The index's recorded models (``retrieval.search.embedder_for``,
    ``index.models.by_name.encoder_by_name``) come from ``_shared_embedder``: the same classes,
    weights and code paths, loaded once per worker."""
    import index.models.by_name
    import retrieval.search

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(index.models.by_name, "Embedder", _shared_embedder)
        patch.setattr(retrieval.search, "Embedder", _shared_embedder)
        yield


@pytest.fixture(scope="session")
def model_embedder() -> Embedder:
    """The real models (e5, MiniLM beside it), loaded once for the whole session."""
    return _shared_embedder()


@pytest.fixture(scope="session")
def shared_embedder() -> Callable[..., Embedder]:
    """``shared_embedder(model, second=...)``: what ``Embedder(...)`` gives, built once per
    worker (for a test that runs the CLI's ``index`` with a model choice of its own)."""
    return _shared_embedder


@pytest.fixture(scope="session")
def embedder(model_embedder):  # type: ignore[no-untyped-def]
    """The real models; a folder whose tests check mechanics only may make this the hash encoder
    (``tests/reliability/conftest.py``), and ``model_embedder`` stays the real one."""
    return model_embedder


@pytest.fixture(scope="session")
def model_corpus_index(tmp_path_factory: pytest.TempPathFactory, model_embedder) -> Path:  # type: ignore[no-untyped-def]
    """The default corpus indexed once per run with the real models (by the first pytest-xdist
    worker to ask; the others wait and read it); tests must not modify it."""
    return _corpus_index_once(tmp_path_factory, "corpus-index", model_embedder)


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
    return _corpus_index_once(tmp_path_factory, "hash-corpus-index", hash_encoder)


def _corpus_index_once(factory: pytest.TempPathFactory, name: str, encoder) -> Path:  # type: ignore[no-untyped-def]
    """The corpus indexed with ``encoder`` in a folder every pytest-xdist worker of this run
    shares (the run's base folder): built by the first to get the lock, read by the rest."""
    from filelock import FileLock

    from index.build import build_index

    base = factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    folder = shared / name
    with FileLock(str(shared / f"{name}.lock")):
        if not (folder / "built").is_file():
            report = build_index([CORPUS_DIR], folder / "index", embedder=encoder)
            assert not report.skipped, report.skipped
            (folder / "built").write_text("", encoding="utf-8")
    return folder / "index"


@pytest.fixture(scope="session")
def searcher(model_corpus_index: Path, model_embedder):  # type: ignore[no-untyped-def]
    """A Searcher over the session's corpus index with the real models (read-only: do not add or
    remove documents)."""
    from retrieval.search import open_searcher

    return open_searcher(model_corpus_index, embedder=model_embedder)


# ---- markers: what a test needs, so that `make test-fast` can leave the heavy ones out ----------

# A test that asks for one of these fixtures (directly or through another) gets the marker; a
# module that builds models or starts processes itself says so with ``pytestmark``.
_MARKED_BY_FIXTURE = {
    "model": {"model_embedder"},
    "integration": {"milvus_server", "postgres_server", "browser"},
}


# Seconds each of the longest test files took in a full run (pytest --durations, three workers on
# two cores; time spent waiting for the corpus index left out): the fresh-clone run of
# 2026-12-07 where a file had a test in its 25 slowest, else the run before; files made cheaper
# since, scaled by the CPU seconds they took alone before and after. Only their order matters:
# re-measure when the suite changes much. `make test` passes --no-loadscope-reorder, or
# pytest-xdist would put the files with the most tests first instead.
_LONGEST_FILES = {
    "index/stores/milvus/test_milvus_store.py": 125.0,
    "reliability/test_crash.py": 70.0,
    "api/test_cli_dask.py": 63.5,
    "index/models/test_dask_embedder.py": 63.3,
    "bench/test_dask_bench.py": 63.1,
    "reliability/test_fuzz.py": 60.0,
    "index/stores/test_store_contract.py": 55.0,
    "index/models/test_e5_convert.py": 54.6,
    "index/ingest/test_ocr.py": 47.2,
    "reliability/test_bad_files.py": 47.0,
    "bench/test_bench_smoke.py": 40.0,
    "eval/test_sweep.py": 40.0,
    "api/test_browser_upload.py": 39.0,
    "index/ingest/test_mail.py": 34.2,
    "reliability/test_limits.py": 29.5,
    "api/test_cli_model.py": 27.0,
    "index/stores/milvus/test_milvus_serving.py": 26.0,
    "reliability/test_writes.py": 24.2,
    "reliability/test_restart.py": 21.1,
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """``model`` (runs a real embedding model), ``integration`` (servers, browsers, clusters,
    child processes), else ``unit``; ``slow`` tests are not part of ``make test``.

    Files whose tests need the real models' corpus index run after the others: the other
    workers then have work while the first builds it. Within each group the longest files go
    first (``_LONGEST_FILES``), so that no long file starts last and keeps one worker busy alone
    at the end; the order of the other files is kept."""
    needs_index = {
        item.path for item in items if "model_corpus_index" in getattr(item, "fixturenames", ())
    }
    tests = Path(__file__).parent
    items.sort(
        key=lambda item: (
            item.path in needs_index,
            -_LONGEST_FILES.get(item.path.relative_to(tests).as_posix(), 0.0),
        )
    )
    for item in items:
        needs = set(getattr(item, "fixturenames", ()))
        for marker, fixtures in _MARKED_BY_FIXTURE.items():
            if needs & fixtures:
                item.add_marker(marker)
        if item.get_closest_marker("browser") is not None:
            item.add_marker("integration")
        if not any(item.get_closest_marker(m) for m in ("model", "integration", "slow")):
            item.add_marker("unit")


# ---- two workers: the corpus index is built while the other worker runs what needs none --------


@pytest.fixture(scope="session", autouse=True)
def _corpus_index_first_on_one_worker(request: pytest.FixtureRequest) -> None:
    """Under pytest-xdist, worker gw0 builds the real models' corpus index before its first test,
    while the other worker runs the files that do not need it (ordered first, see
    ``pytest_collection_modifyitems``); by the time those that need it start, it is there."""
    if os.environ.get("PYTEST_XDIST_WORKER") == "gw0":
        request.getfixturevalue("model_corpus_index")
