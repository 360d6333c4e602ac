"""The package's shape, read from the source (nothing is imported): which module may import which.

* no import cycle among `aevp` modules (every import counts: lazy ones inside functions, and those under
  `if TYPE_CHECKING:`, since two modules that type each other are still tied);
* the REST and WebSocket routes reach `aevp.ml` and `aevp.data` only through the service layer;
* `aevp.ml` and `aevp.data` know nothing of the service or the CLI built on them;
* benchmarks live outside the package (backend/bench/).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "aevp"


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def _imported(name: str, node: ast.stmt) -> list[str]:
    """The aevp modules one import statement in module `name` loads (a package for names from its __init__)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names if alias.name in MODULES]
    if not isinstance(node, ast.ImportFrom):
        return []
    if node.level:  # relative: from the package of `name`
        is_package = MODULES[name].name == "__init__.py"
        base = name.split(".")[: len(name.split(".")) - node.level + (1 if is_package else 0)]
        source = ".".join([*base, node.module] if node.module else base)
    else:
        source = node.module or ""
    if source not in MODULES:
        return []
    # `from aevp.service import encode` loads the module itself; a plain name comes from the package's __init__.
    submodules = [f"{source}.{alias.name}" for alias in node.names if f"{source}.{alias.name}" in MODULES]
    return submodules if len(submodules) == len(node.names) else [*submodules, source]


def imports_of(name: str) -> set[str]:
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
    found = {dep for node in ast.walk(tree) if isinstance(node, ast.stmt) for dep in _imported(name, node)}
    found.discard(name)
    return found


GRAPH = {name: imports_of(name) for name in MODULES}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as [a, b, ..., a], or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node], _ = 1, path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        state[node], _ = 2, path.pop()
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start)):
            return cycle
    return None


def test_the_graph_sees_the_imports() -> None:
    """The checks below mean something: the walk finds known edges, lazy and package ones included."""
    assert "aevp.service.store" in GRAPH["aevp.service.loaded"]
    assert "aevp.ml.checkpoint" in GRAPH["aevp.service.store"]  # imported inside methods
    assert "aevp.ml.inference" in GRAPH["aevp.service.loaded"]  # under TYPE_CHECKING
    assert "aevp.service.schemas" in GRAPH["aevp.service.specs"]  # names from a package's __init__
    assert "aevp.service.encode" in GRAPH["aevp.service.store"]  # `from aevp.service import encode`
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycle() -> None:
    assert find_cycle(GRAPH) is None, " -> ".join(find_cycle(GRAPH) or [])


@pytest.mark.parametrize(
    ("importer", "forbidden"),
    [
        ("aevp.service.routes", ("aevp.ml", "aevp.data")),
        ("aevp.ml", ("aevp.service", "aevp.cli")),
        ("aevp.data", ("aevp.service", "aevp.cli")),
    ],
)
def test_layers_import_only_downwards(importer: str, forbidden: tuple[str, ...]) -> None:
    importers = [m for m in GRAPH if m == importer or m.startswith(importer + ".")]
    assert importers
    wrong = sorted(
        f"{m} imports {dep}"
        for m in importers
        for dep in GRAPH[m]
        if any(dep == f or dep.startswith(f + ".") for f in forbidden)
    )
    assert not wrong, wrong


def test_no_benchmark_module_inside_the_package() -> None:
    benches = [name for name in MODULES if "bench" in name.rsplit(".", 1)[-1]]
    assert not benches, f"benchmarks belong in backend/bench/: {benches}"
