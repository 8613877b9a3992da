"""The layering of docs/architecture.md, checked on every import in the package.

Every `import`/`from … import` counts: at module level, inside functions and under
`if TYPE_CHECKING:` (a cycle hidden there is still a cycle in the design).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "wabroadcast"

FOUNDATION = {"wabroadcast", "clock", "config", "domain"}
"""Anyone may import these (`wabroadcast` itself only holds __version__)."""

ALLOWED: dict[str, set[str]] = {
    "clock": set(),
    "config": set(),
    "domain": set(),
    "demo": set(),
    "contact_phones": set(),
    "pricing": {"contact_phones"},
    "business_numbers": set(),
    "cloudapi": set(),
    "storage": set(),
    "simulator": {"cloudapi"},
    "contacts": {"contact_phones", "storage"},
    "engine": {"business_numbers", "cloudapi", "storage"},
    "webhooks": {"contact_phones", "engine", "storage"},
    "schedules": {"cloudapi", "engine", "storage"},
    "web": {
        "cloudapi",
        "contact_phones",
        "contacts",
        "engine",
        "pricing",
        "schedules",
        "storage",
        "webhooks",
    },
    "app": {"cloudapi", "engine", "pricing", "schedules", "storage", "web", "webhooks"},
    "sandbox": {"app", "cloudapi", "engine", "simulator", "storage", "webhooks"},
    "cli": {
        "app",
        "business_numbers",
        "cloudapi",
        "contact_phones",
        "contacts",
        "engine",
        "pricing",
        "sandbox",
        "schedules",
        "simulator",
        "storage",
        "web",
        "webhooks",
    },
    "__main__": {"cli"},
}
"""Layer → the other layers it may import, besides FOUNDATION. A new top-level module or
package fails the test until it is given a place here and in docs/architecture.md."""

FORBIDDEN = {
    "storage": {"engine", "web", "cli", "app", "schedules", "webhooks", "cloudapi", "simulator"},
    "engine": {"web", "cli", "app", "schedules", "webhooks", "simulator", "sandbox"},
    "simulator": {"storage", "engine", "web", "webhooks", "schedules", "app", "cli"},
    "webhooks": {"web", "cli", "app", "schedules"},
    "web": {"cli", "sandbox", "simulator"},
}
"""The rules the issue tracker and the docs state in words; kept explicit so that widening
ALLOWED by mistake is caught here too."""


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(module: str, source: str, *, is_package: bool = False) -> set[str]:
    """Every wabroadcast module or name `module` imports, wherever the import statement is."""
    package = module if is_package else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            found.update(f"{target}.{alias.name}" for alias in node.names)
    return {name for name in found if name == "wabroadcast" or name.startswith("wabroadcast.")}


def package_graph(root: Path = PACKAGE) -> dict[str, set[str]]:
    """Module → the package's modules it imports (a `from x import name` counts as x.name
    when that is a module, else as x)."""
    sources = {module_name(p, root): p for p in root.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for module, path in sources.items():
        names = imports_of(module, path.read_text(), is_package=path.name == "__init__.py")
        graph[module] = resolve(names, set(sources)) - {module}
    return graph


def resolve(names: Iterable[str], modules: set[str]) -> set[str]:
    """`x.name` is module x.name when that exists, else the name `name` of module x."""
    return {name if name in modules else name.rpartition(".")[0] for name in names} & modules


def layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def violations(graph: Mapping[str, Iterable[str]]) -> list[str]:
    found = []
    for module, targets in sorted(graph.items()):
        own = layer(module)
        if own not in ALLOWED and own not in FOUNDATION:
            found.append(f"{module}: layer {own!r} has no place in ALLOWED (docs/architecture.md)")
            continue
        for target in sorted(targets):
            other = layer(target)
            if other == own or other in FOUNDATION:
                continue
            if other not in ALLOWED.get(own, set()) or other in FORBIDDEN.get(own, set()):
                found.append(f"{module} imports {target}: {own} may not import {other}")
    return found


def cycles(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph.get(start, ()))))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_every_import_respects_the_layers() -> None:
    assert violations(package_graph()) == []


def test_the_package_has_no_import_cycle() -> None:
    assert cycles(package_graph()) == []


def test_the_allowed_table_never_permits_what_the_rules_forbid() -> None:
    clashes = {name: ALLOWED[name] & banned for name, banned in FORBIDDEN.items()}
    assert all(not clash for clash in clashes.values()), clashes


def test_every_layer_is_described_in_the_architecture_doc() -> None:
    doc = (PACKAGE.parent / "docs" / "architecture.md").read_text()
    missing = [name for name in ALLOWED if f"`{name}" not in doc]
    assert missing == []


@pytest.mark.parametrize(
    ("module", "source", "expected"),
    [
        (
            "wabroadcast.storage.sends",
            "from wabroadcast.engine.sender import run_campaign\n",
            "storage may not import engine",
        ),
        (
            "wabroadcast.engine.sender",
            "def f():\n    from wabroadcast.web.api import app\n",
            "engine may not import web",
        ),
        (
            "wabroadcast.engine.sender",
            "if TYPE_CHECKING:\n    from wabroadcast.cli import main\n",
            "engine may not import cli",
        ),
        (
            "wabroadcast.storage.sends",
            "from ..engine import lifecycle\n",
            "storage may not import engine",
        ),
    ],
)
def test_the_check_catches_a_bad_import_wherever_it_is_written(
    module: str, source: str, expected: str
) -> None:
    names = imports_of(module, source)
    assert any(expected in v for v in violations({module: names})), names


def test_a_cycle_through_a_type_checking_import_is_found() -> None:
    config = imports_of("wabroadcast.config", "from wabroadcast.business_numbers import x\n")
    numbers = imports_of(
        "wabroadcast.business_numbers",
        "if TYPE_CHECKING:\n    from wabroadcast.config import Settings\n",
    )
    modules = {"wabroadcast.config", "wabroadcast.business_numbers"}
    graph = {
        "wabroadcast.config": resolve(config, modules),
        "wabroadcast.business_numbers": resolve(numbers, modules),
    }
    assert cycles(graph) == [["wabroadcast.business_numbers", "wabroadcast.config"]]
