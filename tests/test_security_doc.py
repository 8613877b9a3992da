"""docs/security.md names real tests, and keeps a row for each attack of the hardening review.

Every ``tests/…py::name`` in the doc must be a test that exists: a function defined at module
level (or a name assigned there, as a hypothesis property made by a factory is), or, for
``tests/…py::Class::name``, a method of that class. The file is read with :mod:`ast`, not
imported, so a reference is checked without running anything.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "security.md"
REFERENCE = re.compile(r"\b(tests/[\w/]+\.py)((?:::\w+)+)")
NUMBERED_ITEMS = range(1, 12)
"""The review's "Must fix" list: items 1 to 11."""
HELD = ("XSS", "CSRF", "Sessions", "Open redirect", "Signatures", "Body limits", "Secret masking")
"""The attacks the review says held; each keeps its row too."""


def references(text: str) -> list[tuple[str, tuple[str, ...]]]:
    """``(path, (name,))`` or ``(path, (class, method))`` for every reference, in order."""
    return [(path, tuple(names.split("::")[1:])) for path, names in REFERENCE.findall(text)]


def _defined(tree: ast.Module, names: tuple[str, ...]) -> bool:
    functions = (ast.FunctionDef, ast.AsyncFunctionDef)
    if len(names) == 1:
        for node in tree.body:
            if isinstance(node, functions) and node.name == names[0]:
                return True
            targets = (
                node.targets
                if isinstance(node, ast.Assign)
                else [node.target]
                if isinstance(node, ast.AnnAssign)
                else []
            )
            if any(isinstance(t, ast.Name) and t.id == names[0] for t in targets):
                return True
        return False
    if len(names) == 2:
        for node in tree.body:
            if isinstance(node, ast.ClassDef) and node.name == names[0]:
                return any(
                    isinstance(item, functions) and item.name == names[1] for item in node.body
                )
    return False


def missing_references(text: str, root: Path = ROOT) -> list[str]:
    """The references in ``text`` that name no file, or no such test in their file."""
    missing = []
    trees: dict[str, ast.Module | None] = {}
    for path, names in references(text):
        if path not in trees:
            file = root / path
            trees[path] = ast.parse(file.read_text(), filename=path) if file.is_file() else None
        tree = trees[path]
        reference = "::".join((path, *names))
        if tree is None:
            missing.append(f"{reference} (no such file)")
        elif not _defined(tree, names):
            missing.append(f"{reference} (not defined in {path})")
    return missing


def table_rows(text: str) -> list[list[str]]:
    """The cells of each body row of the doc's table (header and separator left out)."""
    rows = [line for line in text.splitlines() if line.startswith("|")]
    cells = [[cell.strip() for cell in row.strip().strip("|").split("|")] for row in rows]
    return [row for row in cells[2:] if row]


def test_every_named_test_exists() -> None:
    text = DOC.read_text()
    assert len(references(text)) >= 11
    missing = missing_references(text)
    assert missing == [], "docs/security.md names tests that do not exist:\n" + "\n".join(missing)


def test_the_table_has_a_row_with_tests_for_every_item_and_held_attack() -> None:
    rows = table_rows(DOC.read_text())
    assert all(len(row) == 3 for row in rows), [row[0][:40] for row in rows if len(row) != 3]
    firsts = [row[0] for row in rows]
    for number in NUMBERED_ITEMS:
        found = [row for row in rows if row[0].startswith(f"{number}. ")]
        assert len(found) == 1, f"docs/security.md: item {number} needs exactly one row"
        assert references(found[0][2]), f"docs/security.md: item {number} names no test"
    for attack in HELD:
        found = [row for row in rows if row[0].startswith(attack)]
        assert len(found) == 1, f"docs/security.md: {attack!r} needs exactly one row ({firsts})"
        assert references(found[0][2]), f"docs/security.md: {attack!r} names no test"


def test_a_wrong_reference_is_reported_by_name() -> None:
    """The checker itself: existing functions, assigned tests and methods pass; the rest fail."""
    text = (
        "`tests/test_security_doc.py::test_every_named_test_exists`, "
        "`tests/fuzz/test_processor_fuzz.py::test_processor_keeps_the_good_status`, "
        "`tests/web/test_served.py::Lines::emit`, "
        "`tests/web/test_served.py::Lines::no_such_method`, "
        "`tests/web/test_served.py::test_no_such_test`, "
        "`tests/web/test_served.py::emit`, "
        "`tests/no_such_file.py::test_x`"
    )
    assert missing_references(text) == [
        "tests/web/test_served.py::Lines::no_such_method (not defined in tests/web/test_served.py)",
        "tests/web/test_served.py::test_no_such_test (not defined in tests/web/test_served.py)",
        "tests/web/test_served.py::emit (not defined in tests/web/test_served.py)",
        "tests/no_such_file.py::test_x (no such file)",
    ]
