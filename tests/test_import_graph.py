"""The module structure: no import cycle, every import goes down the layers, small modules.

The graph is computed from the source with ``ast``: every ``import`` and
``from ... import`` anywhere in a module counts, inside functions too, because
an import hidden in a function to dodge a cycle is still a cycle. Only imports
under ``if TYPE_CHECKING:`` are skipped (they never run). ``from pkg import
name`` where ``pkg.name`` is a module is an edge to that module.
"""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import ROOT

PACKAGE = ROOT / "ftdata"
MAX_LINES = 400


def module_files() -> dict[str, Path]:
    """Dotted module name -> source file, for every module of ftdata."""
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _under_type_checking(node: ast.If) -> bool:
    test = node.test
    name = test.id if isinstance(test, ast.Name) else getattr(test, "attr", None)
    return name == "TYPE_CHECKING"


def _import_nodes(tree: ast.AST):
    """Every import statement of a module, skipping ``if TYPE_CHECKING:`` blocks."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        elif isinstance(node, ast.If) and _under_type_checking(node):
            stack.extend(node.orelse)
            continue
        stack.extend(ast.iter_child_nodes(node))


def _absolute(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".")
    if not is_package:
        base.pop()
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def import_graph() -> dict[str, set[str]]:
    """Module -> the ftdata modules it imports (anywhere in its source)."""
    files = module_files()
    graph: dict[str, set[str]] = {}
    for module, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        targets: set[str] = set()
        for node in _import_nodes(tree):
            if isinstance(node, ast.Import):
                targets.update(a.name for a in node.names if a.name in files)
                continue
            base = _absolute(node, module, path.name == "__init__.py")
            if base not in files:
                continue
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                targets.add(sub if sub in files else base)
        targets.discard(module)
        graph[module] = targets
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as ``[a, b, ..., a]``, or None (iterative depth-first search)."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    for start in sorted(graph):
        if start in state:
            continue
        path = [start]
        todo = [iter(sorted(graph[start]))]
        state[start] = 1
        while todo:
            nxt = next(todo[-1], None)
            if nxt is None:
                state[path.pop()] = 2
                todo.pop()
            elif state.get(nxt) == 1:
                return path[path.index(nxt) :] + [nxt]
            elif nxt not in state:
                state[nxt] = 1
                path.append(nxt)
                todo.append(iter(sorted(graph[nxt])))
    return None


def test_find_cycle_names_a_cycle_and_accepts_a_dag():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_graph_sees_imports_inside_functions_but_not_type_checking_blocks():
    graph = import_graph()
    # Sanity: the graph is not empty and knows the package's main edges.
    assert "ftdata.rules.registry" in graph["ftdata.rules.chat"]
    tree = ast.parse(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    import a\nelse:\n    import b\n"
        "def f():\n    import c\n"
    )
    names = sorted(
        n.module if isinstance(n, ast.ImportFrom) else n.names[0].name for n in _import_nodes(tree)
    )
    assert names == ["b", "c", "typing"]


def test_no_import_cycle_among_ftdata_modules():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_no_module_is_longer_than_the_limit():
    long = {
        str(path.relative_to(ROOT)): n
        for path in PACKAGE.rglob("*.py")
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert not long, f"modules over {MAX_LINES} lines: {long}"


# The layers, bottom first. A module may import modules of its own layer or of a
# layer below, never above. A module belongs to the layer of the longest prefix
# that names it (``ftdata.rules.catalog`` before ``ftdata.rules``).
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    (
        "foundation: errors, findings and plain helpers that know no feature",
        (
            "ftdata._version",
            "ftdata.errors",
            "ftdata.findings",
            "ftdata.wording",
            "ftdata.gc_tuning",
            "ftdata.progress",
            "ftdata.option_values",
            "ftdata.duplicate_index",
            "ftdata.token_pipeline",
        ),
    ),
    (
        "rule declarations: the registry and what checks share",
        ("ftdata.rules.registry", "ftdata.rules.context", "ftdata.rules.fastpath"),
    ),
    ("rule families: one module per family", ("ftdata.rules",)),
    ("rule catalogue: the one module that knows every family", ("ftdata.rules.catalog",)),
    ("sources: reading data into examples", ("ftdata.sources",)),
    ("writers: shard formats and output folders", ("ftdata.writers",)),
    ("models and encoders", ("ftdata.tokens", "ftdata.tokens.models", "ftdata.tokens.encoding")),
    ("chat templates", ("ftdata.tokens.chat_templates",)),
    ("token counting", ("ftdata.tokens.counting",)),
    ("configuration: options, profiles and selections", ("ftdata.config",)),
    ("views: drawing results (HTML, SVG, show), for type hints only above", ("ftdata.views",)),
    (
        "checking core: results, the pure batch check, the fold, the driver and Options",
        (
            "ftdata.result",
            "ftdata.duplicates",
            "ftdata.drops",
            "ftdata.core",
            "ftdata.incremental",
        ),
    ),
    ("reporters: a result as text, JSON, SARIF, ...", ("ftdata.reporters",)),
    (
        "library entry points",
        (
            "ftdata.api",
            "ftdata.preparation",
            "ftdata.prepare_options",
            "ftdata.show",
            "ftdata.reshape",
            "ftdata.spark",
            "ftdata.submission",
        ),
    ),
    ("the package facade (ftdata/__init__)", ("ftdata",)),
    (
        "command line",
        (
            "ftdata.cli",
            "ftdata.cli_common",
            "ftdata.catalog_cli",
            "ftdata.preparation_cli",
            "ftdata.show_cli",
            "ftdata.__main__",
            "ftdata.reshape.cli",
            "ftdata.submission.cli",
        ),
    ),
]


def layer_of(module: str) -> int:
    """Index in ``LAYERS`` of the longest prefix naming ``module``."""
    best, depth = None, -1
    for index, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            exact = prefix == "ftdata"  # the facade is the package module alone
            if (module == prefix or (not exact and module.startswith(prefix + "."))) and len(
                prefix
            ) > depth:
                best, depth = index, len(prefix)
    assert best is not None, f"{module} is in no layer: add it to LAYERS"
    return best


def test_every_module_has_a_layer():
    for module in import_graph():
        layer_of(module)


def test_every_import_goes_to_the_same_layer_or_below():
    upward = [
        f"{module} ({LAYERS[layer_of(module)][0].split(':')[0]}) imports {target} "
        f"({LAYERS[layer_of(target)][0].split(':')[0]})"
        for module, targets in sorted(import_graph().items())
        for target in sorted(targets)
        if layer_of(target) > layer_of(module)
    ]
    assert not upward, "imports up the layers:\n" + "\n".join(upward)


def test_layer_table_orders_what_the_design_says():
    order = [
        "ftdata.errors",
        "ftdata.rules.registry",
        "ftdata.rules.chat",
        "ftdata.rules.catalog",
        "ftdata.sources.jsonl",
        "ftdata.tokens.encoding.tokenizer",
        "ftdata.tokens.chat_templates.jinja_render",
        "ftdata.tokens.counting.batches",
        "ftdata.views.html",
        "ftdata.result",
        "ftdata.reporters.text",
        "ftdata.api",
        "ftdata",
        "ftdata.cli",
    ]
    layers = [layer_of(module) for module in order]
    assert layers == sorted(layers) and len(set(layers)) == len(layers)
    assert layer_of("ftdata.submission.cli") == layer_of("ftdata.cli")
    assert layer_of("ftdata.core.token_findings") == layer_of("ftdata.result")
