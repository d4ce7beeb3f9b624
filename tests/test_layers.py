"""The packages are layers: no import runs from a lower one to a higher one, and no two
packages, at any depth, import each other, directly or round a longer cycle (issue 12).

The layers themselves are import-linter contracts in pyproject.toml; the cycle check walks
every package's subpackages with grimp, the graph import-linter is built on.
"""

from __future__ import annotations

import os
from pathlib import Path

import grimp
import pytest
from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("siamex", cache_dir=None)


def test_the_layer_contracts_are_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    assert lint_imports(config_filename=os.fspath(ROOT / "pyproject.toml"),
                        cache_dir=None, no_cache=True) == 0


def _cycle(children: set[str], graph: grimp.ImportGraph) -> list[str] | None:
    """A cycle among sibling packages, as the path round it; None when they form none."""
    edges = {a: {b for b in children - {a}
                 if graph.direct_import_exists(importer=a, imported=b, as_packages=True)}
             for a in children}
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> list[str] | None:
        if node in path:
            return [*path[path.index(node):], node]
        if node in done:
            return None
        for nxt in sorted(edges[node]):
            found = visit(nxt, [*path, node])
            if found:
                return found
        done.add(node)
        return None

    for start in sorted(children):
        found = visit(start, [])
        if found:
            return found
    return None


def test_no_two_packages_import_each_other(graph: grimp.ImportGraph) -> None:
    packages = sorted(m for m in graph.modules if graph.find_children(m))
    cycles = {}
    for package in packages:
        children = set(graph.find_children(package))
        if (found := _cycle(children, graph)) is not None:
            cycles[package] = found
    assert cycles == {}
