"""Layers that point one way: no import cycle between the top-level parts of ``breastcds``
beyond a shrinking allowlist, and every import goes to the same or a lower layer.

The graph is read from the source with :mod:`ast` (nothing is imported): every ``import`` and
``from ... import`` anywhere in a module, inside functions and ``TYPE_CHECKING`` blocks too,
counts. A *part* is a sub-package (``model``, ``options``...), a top-level module
(``entrypoint``, ``capabilities``, ``server``...) or the package's ``__init__`` (``breastcds``).
``from breastcds import X`` is an edge to ``X`` when ``X`` is a part, else to ``breastcds``.

``ALLOWED_BACK_EDGES`` lists the edges known to close a cycle today. Without them the graph
must be acyclic, and each of them must still close a cycle (a stale entry fails, so the list
can only shrink: delete the entry when its cycle is broken). Do not add to it.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from itertools import pairwise
from pathlib import Path

import breastcds

PACKAGE = Path(breastcds.__file__).parent

#: (importer, imported): edges against the layering that still close a cycle, with what
#: would break them. The files involved are under active clinical/systemic development.
ALLOWED_BACK_EDGES: dict[tuple[str, str], str] = {}


#: The layers, ground first (docs/architecture.md draws this table; a test keeps them equal).
#: An import may go to its own layer or a lower one; a new part must be placed here.
LAYERS: dict[str, tuple[str, ...]] = {
    "ground": ("model", "language", "_version", "examples"),
    "knowledge": ("knowledge",),
    "capabilities": (
        "classify", "course", "options", "prognosis", "radiotherapy", "dose", "capabilities",
    ),
    "engines": ("entrypoint", "breastcds", "cohort"),
    "adapters": (
        "cli", "server", "service", "web", "report", "i18n", "fhir", "concordance",
    ),
}  # fmt: skip
DOC = PACKAGE.parent.parent / "docs" / "architecture.md"


def _parts() -> set[str]:
    parts = {"breastcds"}
    for p in PACKAGE.iterdir():
        if p.is_dir() and any(p.rglob("*.py")):
            parts.add(p.name)
        elif p.suffix == ".py" and p.name != "__init__.py":
            parts.add(p.stem)
    return parts


def _part_of(path: Path) -> str:
    rel = path.relative_to(PACKAGE)
    if len(rel.parts) > 1:
        return rel.parts[0]
    return "breastcds" if rel.name == "__init__.py" else rel.stem


def _imported_modules(path: Path, node: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    if node.level:  # relative: resolved against the module's package
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        package = list(rel.parts[:-1])
        base = package[: len(package) - node.level + 1]
        module = ".".join([*base, node.module] if node.module else base)
    else:
        module = node.module or ""
    if module == "breastcds":
        return [f"breastcds.{a.name}" for a in node.names]
    return [module]


def import_graph() -> dict[tuple[str, str], list[str]]:
    """(importer part, imported part) -> the ``file:line`` of each import making the edge."""
    parts = _parts()
    edges: dict[tuple[str, str], list[str]] = defaultdict(list)
    for path in sorted(PACKAGE.rglob("*.py")):
        src = _part_of(path)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            for module in _imported_modules(path, node):
                names = module.split(".")
                if names[0] != "breastcds":
                    continue
                dst = names[1] if len(names) > 1 and names[1] in parts else "breastcds"
                if dst != src:
                    edges[(src, dst)].append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    return dict(edges)


def find_cycle(edges: set[tuple[str, str]]) -> list[str] | None:
    """One cycle of the graph as a path ``[a, b, ..., a]``, or ``None`` when it is acyclic."""
    succ: dict[str, list[str]] = defaultdict(list)
    for a, b in sorted(edges):
        succ[a].append(b)
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    path: list[str] = []

    def visit(v: str) -> list[str] | None:
        state[v] = 1
        path.append(v)
        for w in succ[v]:
            if state.get(w) == 1:
                return [*path[path.index(w) :], w]
            if w not in state and (found := visit(w)):
                return found
        path.pop()
        state[v] = 2
        return None

    for v in sorted(succ):
        if v not in state and (found := visit(v)):
            return found
    return None


def _reaches(edges: set[tuple[str, str]], start: str, goal: str) -> bool:
    seen, todo = {start}, [start]
    while todo:
        v = todo.pop()
        for a, b in edges:
            if a == v and b not in seen:
                if b == goal:
                    return True
                seen.add(b)
                todo.append(b)
    return False


def test_the_graph_is_read_from_the_source() -> None:
    """Sanity: known edges are seen, including imports inside functions."""
    graph = import_graph()
    assert ("entrypoint", "capabilities") in graph
    assert ("cli", "entrypoint") in graph
    assert ("capabilities", "options") in graph  # imported inside sections()
    assert {"model", "knowledge", "options", "service", "web", "breastcds"} <= _parts()


def test_no_import_cycle_beyond_the_allowlist() -> None:
    graph = import_graph()
    rest = set(graph) - set(ALLOWED_BACK_EDGES)
    cycle = find_cycle(rest)
    if cycle:
        where = {f"{a} -> {b}": graph[(a, b)] for a, b in pairwise(cycle)}
        raise AssertionError(f"import cycle {' -> '.join(cycle)}: {where}")


def test_the_allowlist_only_shrinks() -> None:
    """Every allowed edge still exists and still closes a cycle; delete it once broken."""
    graph = import_graph()
    stale = [
        edge
        for edge in ALLOWED_BACK_EDGES
        if edge not in graph or not _reaches(set(graph), edge[1], edge[0])
    ]
    assert not stale, f"no longer a cycle, remove from ALLOWED_BACK_EDGES: {stale}"
    assert len(ALLOWED_BACK_EDGES) <= 2, "the allowlist may only shrink"


def test_cycles_broken_here_stay_broken() -> None:
    """The model is the ground (beside the rule language it runs); the service does not
    import the web page; the knowledge layer does not import classification."""
    graph = import_graph()
    for edge in [
        ("model", "radiotherapy"),
        ("model", "knowledge"),
        ("model", "classify"),
        ("knowledge", "classify"),
        ("service", "web"),
        ("entrypoint", "breastcds"),
        ("dose", "radiotherapy"),  # dose physics reads no clinical RT decision
        ("options", "entrypoint"),  # kb lint's adapter passes the classifier in
    ]:
        assert edge not in graph, f"{edge}: {graph.get(edge)}"
    # the model imports only the rule language beside it, which imports nothing of the package
    model = {b for a, b in graph if a == "model"}
    assert model <= {"language"}, model
    assert not any(a == "language" for a, _ in graph), [e for e in graph if e[0] == "language"]


def test_every_import_points_down_the_layers() -> None:
    level = {part: i for i, parts in enumerate(LAYERS.values()) for part in parts}
    assert set(level) == _parts(), f"place these parts in LAYERS: {_parts() ^ set(level)}"
    upward = {
        edge: where
        for edge, where in import_graph().items()
        if level[edge[1]] > level[edge[0]] and edge not in ALLOWED_BACK_EDGES
    }
    assert not upward, f"imports from a lower layer to a higher one: {upward}"


def test_no_package_module_is_imported_by_name_at_run_time() -> None:
    """Every import of the package is an import statement the graph above reads: no
    ``importlib.import_module``, ``__import__`` or ``importlib.util`` loading anywhere in it
    (the CLI loads its command modules lazily through one function per module)."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                f = node.func
                name = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")
                if name in {"import_module", "__import__", "spec_from_file_location"}:
                    found.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
            elif (
                isinstance(node, ast.ImportFrom)
                and node.module == "importlib"
                and any(a.name in {"import_module", "util"} for a in node.names)
            ):
                found.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert not found, found


def test_each_cli_loader_imports_its_own_command_module() -> None:
    from breastcds.cli.main import COMMANDS

    for load, _ in COMMANDS:
        assert load().__module__ == f"breastcds.cli.{load.__name__.removeprefix('_')}"


def test_the_architecture_document_draws_these_layers() -> None:
    """docs/architecture.md has one ``| layer | parts |`` row per layer, equal to LAYERS."""
    rows: dict[str, set[str]] = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        cells = [x.strip() for x in line.strip().strip("|").split("|")]
        if line.startswith("|") and len(cells) >= 2 and cells[0].strip("*") in LAYERS:
            rows[cells[0].strip("*")] = {x.strip(" `") for x in cells[1].split(",")}
    assert rows == {k: set(v) for k, v in LAYERS.items()}


def test_find_cycle_on_small_graphs() -> None:
    assert find_cycle({("a", "b"), ("b", "c")}) is None
    assert find_cycle({("a", "b"), ("b", "c"), ("c", "a")}) == ["a", "b", "c", "a"]
    assert find_cycle({("x", "y"), ("y", "x"), ("a", "x")}) == ["x", "y", "x"]


if __name__ == "__main__":  # the imports between parts, by layer (docs/architecture.md)
    graph = import_graph()
    for parts in reversed(LAYERS.values()):
        for part in parts:
            print(f"{part:13s} -> {', '.join(sorted(b for a, b in graph if a == part))}")
