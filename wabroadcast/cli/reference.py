"""docs/cli.md is generated from the commands themselves, so it cannot fall behind them.

`python -m wabroadcast.cli.reference > docs/cli.md` rewrites it; a test fails when it is stale.
"""

from __future__ import annotations

from typing import Any

import typer.main

from wabroadcast.cli.main import app


def _param_line(param: Any) -> str:
    if param.param_type_name == "argument":
        help_text = f": {param.help}" if getattr(param, "help", None) else ""
        return f"- `{(param.name or '').upper()}` (argument){help_text}"
    names = ", ".join(f"`{name}`" for name in param.opts + param.secondary_opts)
    text = f"- {names}"
    if param.help:
        text += f": {param.help}"
    if param.default not in (None, False, (), "") and not param.is_flag:
        text += f" (default: `{param.default}`)"
    return text


def _command_section(path: list[str], command: Any) -> list[str]:
    lines = [f"## `{' '.join(path)}`", ""]
    if command.help:
        lines += [command.help.strip(), ""]
    params = [
        p for p in command.params if p.name not in ("help", "install_completion", "show_completion")
    ]
    lines += [_param_line(p) for p in params]
    if params:
        lines.append("")
    return lines


def render() -> str:
    root = typer.main.get_command(app)
    lines = [
        "# Command-line reference",
        "",
        "Generated from `wabroadcast --help` by `python -m wabroadcast.cli.reference`;",
        "do not edit by hand.",
        "",
    ]

    def walk(path: list[str], command: Any) -> None:
        lines.extend(_command_section(path, command))
        if hasattr(command, "commands"):
            for name in sorted(command.commands):
                walk([*path, name], command.commands[name])

    walk(["wabroadcast"], root)
    return "\n".join(lines).rstrip() + "\n"


if __name__ == "__main__":
    import sys

    sys.stdout.write(render())
