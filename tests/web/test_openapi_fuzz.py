"""Schemathesis against /openapi.json of a real server: no input makes the API answer 5xx.

The server is the real app (uvicorn on a free port, in a thread) on a real database, sending
to the real simulator; every error it gives must use the one JSON error shape.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from tests.conftest import _fresh_pg_schema
from tests.web.api.harness import GRAPH_URL, TOKEN, add_contacts, app_settings, simulator_config
from wabroadcast.app import create_app
from wabroadcast.config import load_settings
from wabroadcast.simulator import create_simulator
from wabroadcast.storage.db import Database

pytestmark = pytest.mark.slow
AUTH = {"Authorization": f"Bearer {TOKEN}"}
EXAMPLES = int(os.environ.get("WABROADCAST_FUZZ_EXAMPLES", "25"))
"""Per operation; for a deeper run: WABROADCAST_FUZZ_EXAMPLES=200 pytest -k openapi_fuzz"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    if request.param == "sqlite":
        urls: Iterator[str] = iter([f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'fuzz.db'}"])
        cleanup = None
    else:
        cleanup = _fresh_pg_schema()
        urls = cleanup
    database_url = next(urls)
    settings = app_settings(load_settings({"DATABASE_URL": database_url}, env_file=None))
    database = Database(database_url)
    add_contacts(database, 30)
    simulator = create_simulator(simulator_config())
    cloud_http = httpx.AsyncClient(transport=httpx.ASGITransport(app=simulator), base_url=GRAPH_URL)
    app = create_app(settings, database=database, cloud_http=cloud_http)
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        database.dispose()
        if cleanup is not None:
            next(cleanup, None)


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_input_makes_a_server_error(server_url: str, mode: GenerationMode) -> None:
    """Every operation, bounded examples each: valid input (positive) and wrong input
    (negative); the answer is never 5xx and every error has the one shape."""
    schema = schemathesis.openapi.from_url(f"{server_url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15

    checked_without_input: list[str] = []
    for operation in operations:
        try:
            _checker(operation, mode, server_url)()
        except Unsatisfiable:
            # nothing to get wrong: an operation without parameters or body
            assert mode is GenerationMode.NEGATIVE, operation.label
            checked_without_input.append(operation.label)
    assert len(checked_without_input) < len(operations)


def _checker(operation: Any, mode: GenerationMode, server_url: str) -> Callable[[], None]:
    @given(case=operation.as_strategy(generation_mode=mode))
    @hypothesis_settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case: schemathesis.Case) -> None:
        response = case.call(base_url=server_url, headers=AUTH, timeout=30)
        case.validate_response(response, checks=[not_a_server_error])
        if response.status_code >= 400:
            body = response.json()
            assert set(body) == {"error"}, (operation.label, body)
            assert body["error"]["code"] and body["error"]["message"]

    checker: Callable[[], None] = check
    return checker


def test_schema_lists_every_api_route(server_url: str) -> None:
    paths = set(httpx.get(f"{server_url}/openapi.json").json()["paths"])
    expected = {
        "/api/send",
        "/api/history",
        "/api/check-duplicates",
        "/api/webhook-logs",
        "/api/campaigns",
        "/api/campaigns/{campaign_id}",
        "/api/campaigns/{campaign_id}/pause",
        "/api/campaigns/{campaign_id}/resume",
        "/api/campaigns/{campaign_id}/cancel",
        "/api/campaigns/{campaign_id}/sends.csv",
        "/api/contacts",
        "/api/contacts/{contact_id}/opt-out",
        "/api/contacts/{contact_id}/opt-in",
        "/api/templates",
        "/api/stats",
        "/api/session",
    }
    assert expected <= paths
