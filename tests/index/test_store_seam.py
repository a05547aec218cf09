"""Nothing goes around the storage seam: outside a backend package, no module imports a backend.

Every module of the packages that use stores (``index``, ``retrieval``, ``api``, ``eval``,
``bench``) is parsed and each of its imports, at any depth (imports inside functions count),
checked: a store is reached through ``index.store``, ``index.store_factory`` and
``index.store_options`` only. The backend packages are those ``index.store_factory.BACKENDS``
names, whether installed or not.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from index.store_factory import BACKENDS

REPO = Path(__file__).resolve().parents[2]
PACKAGES = ("index", "retrieval", "api", "eval", "bench")


def _module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(source: str, module: str, is_package: bool) -> list[tuple[int, str]]:
    """(line, imported module) of every import in ``source``, relative ones resolved."""
    found = []
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
            # ``from index import embedded`` imports the submodule ``index.embedded``.
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
            found.append((node.lineno, base))
    return found


def _is_backend(name: str) -> bool:
    return any(name == b or name.startswith(f"{b}.") for b in BACKENDS.values())


def _violations(path: Path) -> list[str]:
    module = _module_name(path)
    imports = _imports(path.read_text(encoding="utf-8"), module, path.name == "__init__.py")
    return [
        f"{path.relative_to(REPO)}:{line}: imports {name}"
        for line, name in imports
        if _is_backend(name)
    ]


def _checked_files() -> list[Path]:
    files = [p for package in PACKAGES for p in sorted((REPO / package).rglob("*.py"))]
    return [p for p in files if not _is_backend(_module_name(p))]


def test_no_module_outside_a_backend_imports_one() -> None:
    files = _checked_files()
    names = {_module_name(p) for p in files}
    # The walk covers the callers the seam is for, and skips the backends themselves.
    assert {"retrieval.search", "eval.runner", "api.app", "api.cli", "index.build"} <= names
    assert "index.embedded.store" not in names
    assert [v for p in files for v in _violations(p)] == []


def test_the_embedded_backend_is_a_package_the_factory_names() -> None:
    assert BACKENDS["embedded"] == "index.embedded"
    assert (REPO / "index" / "embedded" / "__init__.py").is_file()
    assert not (REPO / "index" / "embedded_store.py").exists()


@pytest.mark.parametrize(
    ("source", "module"),
    [
        ("from index.embedded.store import EmbeddedStore", "api.app"),
        ("import index.embedded", "eval.runner"),
        ("def f():\n    from index import embedded\n", "bench.e2e"),
        ("from .embedded import rows", "index.build"),
        ("from index.milvus.reader import MilvusReader", "retrieval.search"),
    ],
)
def test_the_walk_catches_every_form_of_backend_import(source: str, module: str) -> None:
    assert any(_is_backend(name) for _, name in _imports(source, module, is_package=False))


def test_the_walk_lets_the_seam_through() -> None:
    source = (
        "from index.store import StoreReader\nfrom index.store_factory import open_reader\n"
        "from index.store_options import StoreOptions\nimport index.bm25_index\n"
    )
    assert not any(_is_backend(name) for _, name in _imports(source, "api.app", False))
