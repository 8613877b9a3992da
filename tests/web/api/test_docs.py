"""docs/api.md lists every /api endpoint the app serves (checked against the OpenAPI schema)."""

from __future__ import annotations

import re
from pathlib import Path

from wabroadcast.app import create_app
from wabroadcast.config import load_settings

DOC = Path(__file__).resolve().parents[3] / "docs" / "api.md"


def test_every_api_endpoint_is_documented(sqlite_url: str) -> None:
    app = create_app(load_settings({"DATABASE_URL": sqlite_url}, env_file=None))
    try:
        schema = app.openapi()
    finally:
        app.state.database.dispose()
    text = DOC.read_text()
    documented = set(re.findall(r"^\| (GET|POST|DELETE) \| `([^`]+)` \|", text, re.MULTILINE))
    served = {
        (method.upper(), re.sub(r"\{[a-z_]+\}", "{id}", path))
        for path, operations in schema["paths"].items()
        if path.startswith("/api/")
        for method in operations
    }
    assert served == documented
