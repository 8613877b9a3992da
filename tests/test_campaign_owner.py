"""The campaign manager is the one owner of campaigns (docs/architecture.md), read from the code.

What the behaviour tests cannot see: who builds a CampaignManager, who calls the engine's
run and insert functions directly, and that no `Any` is passed around where typed state is.
Calls are found in the syntax tree, wherever they are written.
"""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "wabroadcast"


def calls_of(name: str) -> Counter[str]:
    """Modules (paths under the package) that call `name(...)`, with how often."""
    found: Counter[str] = Counter()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Call):
                called = node.func
                called_name = (
                    called.id
                    if isinstance(called, ast.Name)
                    else called.attr
                    if isinstance(called, ast.Attribute)
                    else None
                )
                if called_name == name:
                    found[path.relative_to(PACKAGE).as_posix()] += 1
    return found


def test_a_campaign_manager_is_built_once_by_serve_and_once_per_command() -> None:
    assert calls_of("CampaignManager") == {
        "app.py": 1,  # serve
        "cli/campaigns.py": 1,  # command_manager: kept on the command's context
        "cli/schedules.py": 1,  # schedules run-due
    }


def test_only_the_engine_runs_and_inserts_campaigns() -> None:
    for name in ("run_with_lease", "run_campaign", "create_campaign"):
        outside = {module for module in calls_of(name) if not module.startswith("engine/")}
        assert outside == set(), f"{name} is called outside the engine: {outside}"
    assert set(calls_of("create_campaign")) == {"engine/manager.py"}


def test_no_any_between_the_manager_the_adopter_and_the_schedule_runner() -> None:
    for module in ("engine/adopt.py", "schedules/runner.py", "engine/runs.py"):
        tree = ast.parse((PACKAGE / module).read_text())
        names = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
        imported = {
            alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom)
            for alias in node.names
        }
        assert "Any" not in names | imported, module


def test_the_old_modules_are_gone_and_each_progress_has_one_type() -> None:
    for gone in ("engine/leased.py", "engine/state.py", "phones.py", "numbers.py"):
        assert not (PACKAGE / gone).exists(), gone
    classes: Counter[str] = Counter()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ClassDef) and node.name.endswith(("Progress", "Forecast")):
                classes[node.name] += 1
    assert classes == {"RunProgress": 1, "CampaignProgress": 1, "ScheduleForecast": 1}
