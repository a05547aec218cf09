"""The layers hold: which package may import which, nothing goes around the storage seam, and no
import cycle anywhere in the project.

Every module of ``index``, ``retrieval``, ``api``, ``eval`` and ``bench`` is parsed and each of its
imports, at any depth (inside functions and ``TYPE_CHECKING`` blocks too), resolved to the
project module it names: ``from a.b import c`` is ``a.b.c`` when that is a module, else ``a.b``.
A package's ``__init__`` is the package's module. The rules are data (``ALLOWED``), read by one
check; the tests at the bottom show the check failing on a cycle and on a forbidden import.
"""

from __future__ import annotations

import ast
import graphlib
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

from index.stores.factory import BACKENDS

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("index", "retrieval", "api", "eval", "bench")
BACKEND_PACKAGES = tuple(BACKENDS.values())  # index.stores.embedded, index.stores.milvus

# The layer each module belongs to: the longest of these prefixes it starts with.
_INDEX_BELOW_BUILD = {"index.records", "index.ingest", "index.text", "index.models", "index.stores"}
_INDEX_ALL = _INDEX_BELOW_BUILD | {"index.parse", "index.parse_worker", "index.build", "index"}
ALLOWED: dict[str, set[str]] = {
    "index": set(),  # the package's own docstring
    "index.records": set(),
    "index.ingest": {"index.records"},
    "index.text": {"index.records"},
    "index.models": {"index.records", "index.text"},
    "index.stores": {"index.records", "index.text", "index.models"},
    **{
        b: {"index.records", "index.text", "index.models", "index.stores"} for b in BACKEND_PACKAGES
    },
    "index.parse": {"index.records", "index.ingest", "index.text"},
    "index.parse_worker": {"index.records", "index.ingest", "index.text", "index.parse"},
    "index.build": _INDEX_ALL - {"index.build"},
    "retrieval": {"index.records", "index.text", "index.models", "index.stores"},
    "eval": _INDEX_ALL | {"retrieval"},
    "api": _INDEX_ALL | {"retrieval", "eval"},
    "bench": _INDEX_ALL | {"retrieval", "eval", "api"},
}


def module_name(path: Path, root: Path) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_names(source: str, module: str, is_package: bool) -> list[tuple[int, str]]:
    """(line, dotted name) of every import in ``source``, relative ones resolved; for
    ``from a import b`` both ``a.b`` and ``a`` (the caller keeps the one that is a module)."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".")
                anchor = anchor if is_package else anchor[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base]) if base else ".".join(anchor)
            found += [(node.lineno, f"{base}.{alias.name}|{base}") for alias in node.names]
    return found


def import_graph(root: Path, packages: Iterable[str]) -> dict[str, dict[str, int]]:
    """module -> {project module it imports: first line}; modules outside ``packages`` are left
    out (the standard library, third parties)."""
    files = {
        module_name(p, root): p
        for package in packages
        for p in sorted((root / package).rglob("*.py"))
    }
    graph: dict[str, dict[str, int]] = {}
    for module, path in files.items():
        edges: dict[str, int] = {}
        source = path.read_text(encoding="utf-8")
        for line, name in imported_names(source, module, path.name == "__init__.py"):
            target = _resolve(name, files)
            if target is not None and target != module:
                edges.setdefault(target, line)
        graph[module] = edges
    return graph


def _resolve(name: str, modules: Mapping[str, Path]) -> str | None:
    """The project module an imported name is: itself, else its closest enclosing module."""
    for candidate in name.split("|"):
        while candidate:
            if candidate in modules:
                return candidate
            candidate = candidate.rpartition(".")[0]
    return None


def layer_of(module: str, layers: Iterable[str]) -> str | None:
    matches = [x for x in layers if module == x or module.startswith(f"{x}.")]
    return max(matches, key=len) if matches else None


def forbidden_imports(
    graph: Mapping[str, Mapping[str, int]], allowed: Mapping[str, set[str]]
) -> list[str]:
    """Every import from one layer into another that ``allowed`` does not list."""
    problems = []
    for module, edges in sorted(graph.items()):
        here = layer_of(module, allowed)
        if here is None:
            problems.append(f"{module}: belongs to no layer; add it to ALLOWED")
            continue
        for target, line in sorted(edges.items()):
            there = layer_of(target, allowed)
            if there != here and there not in allowed[here]:
                problems.append(f"{module}:{line}: imports {target} ({here} may not use {there})")
    return problems


def import_cycle(graph: Mapping[str, Mapping[str, int]]) -> list[str] | None:
    """One cycle of imports (modules in order, the first repeated at the end), or None."""
    try:
        graphlib.TopologicalSorter({m: set(e) for m, e in graph.items()}).prepare()
    except graphlib.CycleError as error:
        return list(reversed(error.args[1]))
    return None


@pytest.fixture(scope="module")
def project_graph() -> dict[str, dict[str, int]]:
    return import_graph(REPO, PACKAGES)


def test_every_import_keeps_to_the_layers(project_graph: dict[str, dict[str, int]]) -> None:
    assert {"retrieval.search", "eval.runner", "api.app", "index.build"} <= set(project_graph)
    assert forbidden_imports(project_graph, ALLOWED) == []


def test_no_import_cycle_in_the_project(project_graph: dict[str, dict[str, int]]) -> None:
    tests_graph = import_graph(REPO, ("tests",))
    assert import_cycle(project_graph) is None
    assert import_cycle(tests_graph) is None


def test_nothing_outside_a_backend_imports_one(project_graph: dict[str, dict[str, int]]) -> None:
    """The storage seam: a store is reached through ``index.stores.base``, ``.factory`` and
    ``.options``; the factory imports a backend by name, only when a location asks for it."""
    outside = [
        f"{module}:{line}: imports {target}"
        for module, edges in project_graph.items()
        if layer_of(module, BACKEND_PACKAGES) is None
        for target, line in edges.items()
        if layer_of(target, BACKEND_PACKAGES) is not None
    ]
    assert "index.stores.embedded.store" in project_graph
    assert outside == []


def test_index_packages_say_what_lives_where() -> None:
    """index/ holds its subpackages by job and only the build's own modules at the top."""
    top = sorted(p.name for p in (REPO / "index").iterdir() if p.suffix == ".py" or p.is_dir())
    top = [name for name in top if name != "__pycache__"]
    assert top == [
        "__init__.py",
        "build.py",
        "ingest",
        "models",
        "parse.py",
        "parse_worker.py",
        "records.py",
        "stores",
        "text",
    ]


def test_module_names_are_unique() -> None:
    """Two files of one name (``records.py`` in two packages) make a reader ask which is meant.
    ``backend.py`` is the entry point the factory loads from each backend package: alike by
    design, like ``__init__.py``."""
    names: dict[str, list[str]] = {}
    for package in PACKAGES:
        for path in (REPO / package).rglob("*.py"):
            if path.name not in ("__init__.py", "backend.py"):
                names.setdefault(path.name, []).append(str(path.relative_to(REPO)))
    assert {n: p for n, p in names.items() if len(p) > 1} == {}


def test_no_function_grows_past_80_lines() -> None:
    """A function a reader cannot hold in their head is split into named steps (bench and eval
    tables may run long: they are lists of rows)."""
    long = []
    for package in ("api", "index", "retrieval"):
        for path in sorted((REPO / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    lines = (node.end_lineno or node.lineno) - node.lineno + 1
                    if lines > 80:
                        long.append(f"{path.relative_to(REPO)}:{node.lineno} {node.name} {lines}")
    assert long == []


# ---- the check checks: a tree with a cycle and a forbidden import --------------------------


def _tree(root: Path, files: dict[str, str]) -> None:
    for name, source in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source, encoding="utf-8")


def test_the_check_finds_a_cycle_through_a_function_level_import(tmp_path: Path) -> None:
    _tree(
        tmp_path,
        {
            "index/__init__.py": "",
            "index/records.py": "",
            "index/text/__init__.py": "",
            "index/text/a.py": "from index.text.b import f\n",
            "index/text/b.py": "def f():\n    from index.text import a\n",
        },
    )
    graph = import_graph(tmp_path, ("index",))
    assert import_cycle(graph) in (
        ["index.text.a", "index.text.b", "index.text.a"],
        ["index.text.b", "index.text.a", "index.text.b"],
    )
    (tmp_path / "index/text/b.py").write_text("def f():\n    return 1\n", encoding="utf-8")
    assert import_cycle(import_graph(tmp_path, ("index",))) is None


def test_the_check_finds_a_package_importing_its_own_init(tmp_path: Path) -> None:
    _tree(
        tmp_path,
        {
            "index/__init__.py": "",
            "index/stores/__init__.py": "from index.stores.store import Store\n",
            "index/stores/store.py": "from index.stores import HELPER\n",
        },
    )
    assert import_cycle(import_graph(tmp_path, ("index",))) is not None


def test_the_check_finds_a_forbidden_import(tmp_path: Path) -> None:
    _tree(
        tmp_path,
        {
            "index/__init__.py": "",
            "index/records.py": "",
            "index/text/__init__.py": "",
            "index/text/chunk.py": "from ...retrieval.search import Searcher\n",
            "retrieval/__init__.py": "",
            "retrieval/search.py": "from index.records import Chunk\n",
        },
    )
    graph = import_graph(tmp_path, ("index", "retrieval"))
    assert graph["index.text.chunk"] == {"retrieval.search": 1}
    assert forbidden_imports(graph, ALLOWED) == [
        "index.text.chunk:1: imports retrieval.search (index.text may not use retrieval)"
    ]


@pytest.mark.parametrize(
    "source",
    [
        "from index.stores.embedded.store import EmbeddedStore",
        "import index.stores.embedded.store",
        "def f():\n    from index.stores.embedded import store\n",
        "from ..stores.milvus import reader",
    ],
)
def test_the_check_catches_every_form_of_backend_import(source: str, tmp_path: Path) -> None:
    _tree(
        tmp_path,
        {
            "index/__init__.py": "",
            "index/stores/__init__.py": "",
            "index/stores/embedded/__init__.py": "",
            "index/stores/embedded/store.py": "",
            "index/stores/milvus/__init__.py": "",
            "index/stores/milvus/reader.py": "",
            "index/text/__init__.py": "",
            "index/text/user.py": source,
        },
    )
    edges = import_graph(tmp_path, ("index",))["index.text.user"]
    assert any(layer_of(target, BACKEND_PACKAGES) for target in edges)
    assert forbidden_imports({"index.text.user": edges}, ALLOWED)
