"""Imports run one way: pipelines/ → assets/ → the library, and inside the library from the stages down to
storage and shared data, never up and never in a circle.

Why a test: an arrow that runs up (storage importing a stage, an asset importing the code location) is
one line to add and costs a circle of imports that makes every module load every other; read from the
source with `ast`, so it sees imports inside functions too.
"""
from __future__ import annotations

import ast
from pathlib import Path

from conftest import REPO

# Lower numbers are lower layers; a module may import its own layer or lower ones. The longest matching
# prefix names a module's layer, and a module that matches none fails the test: a new one is placed on purpose.
LAYERS = {
    "newsintel.paths": 0, "newsintel.vocab": 0, "newsintel.places": 0, "newsintel.urls": 0, "newsintel.charset": 0,
    "newsintel.parallel": 0, "newsintel.proclocks": 0,
    "newsintel.storage": 1, "newsintel.sources": 2, "newsintel.registry": 1,
    "newsintel.scrape": 2, "newsintel.clean": 2, "newsintel.extract": 2, "newsintel.resolve": 2,
    # the whole pipeline's outputs and tools over it; registry.listed regenerates the registry with extraction's rules
    "newsintel.models": 3, "newsintel.quality": 3, "newsintel.report": 3, "newsintel.briefing": 3,
    "newsintel.evaluate": 3, "newsintel.registry.listed": 3, "newsintel.api": 3,
    "newsintel": 3,      # the package itself only: `newsintel.connect()`, the notebook's door (newsintel.api)
    "newsintel.sql": 0,
    "assets": 4,
    "pipelines": 5,
}
STAGES = ("newsintel.scrape", "newsintel.clean", "newsintel.extract", "newsintel.resolve")
# Arrows between stages still to remove (none left: shared market data is newsintel.places, below the stages,
# and counted in the extractor's version digest). The set must match exactly, so a new arrow fails here.
KNOWN_STAGE_ARROWS: set[tuple[str, str]] = set()


def _modules() -> dict[str, Path]:
    found = {}
    for top in ("newsintel", "assets", "pipelines", "sql"):
        for path in (REPO / top).rglob("*.py"):
            parts = list(path.relative_to(REPO).with_suffix("").parts)
            if top == "sql":
                parts[0:1] = ["newsintel", "sql"]     # pyproject.toml maps sql/ to newsintel.sql
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                out.add(sub if sub in modules else base)
    return {m for m in out if m in modules}


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(name, path, modules) - {name} for name, path in modules.items()}


def _layer(name: str) -> int:
    prefixes = [p for p in LAYERS if name == p or name.startswith(p + ".") and p != "newsintel"]
    assert prefixes, f"{name} has no layer: add it to LAYERS in {__file__}"
    return LAYERS[max(prefixes, key=len)]


def _stage(name: str) -> str | None:
    return next((s for s in STAGES if name == s or name.startswith(s + ".")), None)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_import_runs_up_a_layer():
    graph = _graph()
    upward = sorted(f"{a} (layer {_layer(a)}) imports {b} (layer {_layer(b)})"
                    for a, deps in graph.items() for b in deps if _layer(b) > _layer(a))
    assert upward == []


def test_no_import_circle():
    assert _cycles(_graph()) == []


def test_stages_import_storage_not_each_other():
    graph = _graph()
    across = {(a, b) for a, deps in graph.items() for b in deps
              if _stage(a) and _stage(b) and _stage(a) != _stage(b)}
    assert across == KNOWN_STAGE_ARROWS
    storage = {b for a, deps in graph.items() if a.startswith("newsintel.storage") for b in deps}
    assert not {b for b in storage if _stage(b)}, "storage imports a stage"


def test_assets_import_nothing_from_the_code_location_and_the_library_no_dagster():
    graph = _graph()
    assert not {(a, b) for a, deps in graph.items() if a.startswith("assets") for b in deps
                if b.startswith("pipelines")}
    for name, path in _modules().items():
        if name.startswith("newsintel"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            names = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
            names |= {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
            assert not {m for m in names if m.split(".")[0] == "dagster"}, name


def test_the_walk_sees_what_it_checks(tmp_path):
    """The checks above pass because the graph is clean, not because it is empty: known arrows are found."""
    graph = _graph()
    assert "newsintel.storage.files" in graph["newsintel.storage"]
    assert "newsintel.storage" in graph["newsintel.scrape.ingest"]
    assert "assets.resources" in graph["pipelines.definitions"]
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    with_relative = tmp_path / "pkg" / "mod.py"
    with_relative.parent.mkdir()
    with_relative.write_text("from . import other\nfrom .other import x\n")
    mods = {"pkg": tmp_path / "pkg" / "__init__.py", "pkg.mod": with_relative, "pkg.other": with_relative}
    assert _imports("pkg.mod", with_relative, mods) == {"pkg.other"}
