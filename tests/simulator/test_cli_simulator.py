"""`wabroadcast simulator`: options, clear errors, and a real run with signed webhooks."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
import typer.main
from typer.testing import CliRunner

from wabroadcast.cli.main import app

TOKEN = "simulated-token-0123456789abcdef"
SECRET = "simulated-app-secret-0123456789"
PHONE_NUMBER_ID = "106540352242922"


def _env_file(tmp_path: Path, *, secret: bool = True) -> Path:
    lines = [f"WHATSAPP_ACCESS_TOKEN={TOKEN}", f"PHONE_NUMBER_ID={PHONE_NUMBER_ID}"]
    if secret:
        lines.append(f"WHATSAPP_APP_SECRET={SECRET}")
    path = tmp_path / "sim.env"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_every_option_has_help_text() -> None:
    command = typer.main.get_command(app).commands["simulator"]  # type: ignore[attr-defined]
    options = [p for p in command.params if p.name != "help"]
    assert len(options) >= 20
    for option in options:
        assert option.help, f"--{option.name} has no help"
    names = {opt for p in options for opt in p.opts}
    for expected in ("--port", "--webhook-url", "--log", "--seed", "--rate", "--latency-ms"):
        assert expected in names
    for expected in ("--fail-5xx", "--timeout-rate", "--async-fail-131049", "--reply-rate"):
        assert expected in names
    for expected in ("--duplicate-rate", "--reorder-rate", "--unreachable", "--opted-out"):
        assert expected in names
    assert {"--hold-rate", "--hold-outcome"} <= names


@pytest.mark.parametrize(
    "option", ["--reply-rate", "--fail-5xx", "--duplicate-rate", "--hold-rate"]
)
def test_a_share_outside_0_and_1_is_refused_naming_the_option(tmp_path: Path, option: str) -> None:
    result = CliRunner().invoke(
        app, ["--env-file", str(_env_file(tmp_path)), "simulator", option, "1.5"]
    )
    assert result.exit_code == 2
    assert option in result.output
    assert "between 0 and 1" in result.output


def test_an_unknown_hold_outcome_is_refused_naming_the_choices(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["--env-file", str(_env_file(tmp_path)), "simulator", "--hold-outcome", "lose"]
    )
    assert result.exit_code == 1
    assert "--hold-outcome must be one of release, drop, got 'lose'" in result.output


def test_webhooks_without_an_app_secret_are_refused_clearly(tmp_path: Path) -> None:
    env_file = _env_file(tmp_path, secret=False)
    result = CliRunner().invoke(
        app,
        ["--env-file", str(env_file), "simulator", "--webhook-url", "http://127.0.0.1:9/webhook"],
        env={"WHATSAPP_APP_SECRET": ""},
    )
    assert result.exit_code == 1
    assert "WHATSAPP_APP_SECRET" in result.output
    assert "Traceback" not in result.output


def test_a_bad_rate_is_a_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["--env-file", str(_env_file(tmp_path)), "simulator", "--rate", "0"]
    )
    assert result.exit_code == 1
    assert "rate must be positive" in result.output
    assert TOKEN not in result.output


def test_an_unwritable_log_is_refused_before_starting(tmp_path: Path) -> None:
    log = tmp_path / "missing-folder" / "truth.jsonl"
    result = CliRunner().invoke(
        app, ["--env-file", str(_env_file(tmp_path)), "simulator", "--log", str(log)]
    )
    assert result.exit_code == 1
    assert "cannot write there" in result.output
    assert "Traceback" not in result.output


# -- a real run -------------------------------------------------------------------------------


class _Recorder(BaseHTTPRequestHandler):
    posts: list[tuple[dict[str, str], bytes]]

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).posts.append((dict(self.headers), body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[tuple[str, list[tuple[dict[str, str], bytes]]]]:
    posts: list[tuple[dict[str, str], bytes]] = []
    handler = type("Recorder", (_Recorder,), {"posts": posts})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/webhook", posts
    server.shutdown()
    server.server_close()
    thread.join()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def _statuses(posts: list[tuple[dict[str, str], bytes]]) -> list[tuple[str, str]]:
    found = []
    for _, body in posts:
        for entry in json.loads(body)["entry"]:
            for change in entry["changes"]:
                found += [(s["id"], s["status"]) for s in change["value"].get("statuses", [])]
    return found


@pytest.mark.slow
def test_the_simulator_runs_sends_webhooks_logs_and_stops_on_ctrl_c(
    tmp_path: Path, receiver: tuple[str, list[tuple[dict[str, str], bytes]]]
) -> None:
    url, posts = receiver
    port = _free_port()
    truth = tmp_path / "truth.jsonl"
    env = {k: v for k, v in os.environ.items() if not k.startswith("WHATSAPP_")}
    env.update({"PYTHONUNBUFFERED": "1", "COLUMNS": "200"})
    args = ["--port", str(port), "--webhook-url", url, "--log", str(truth), "--seed", "5"]
    args += ["--latency-ms", "0", "--jitter-ms", "0", "--webhook-speed", "0"]
    args += ["--stop-at-sent", "0", "--stop-at-delivered", "0", "--reply-rate", "0"]
    args += ["--unreachable", "+905320000026"]
    process = subprocess.Popen(
        [sys.executable, "-m", "wabroadcast", "--env-file", str(_env_file(tmp_path))]
        + ["simulator", *args],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        headers = {"Authorization": f"Bearer {TOKEN}"}
        _wait_until_up(process, f"{base}/v25.0/{PHONE_NUMBER_ID}", headers)
        ids = []
        for to in ("+905321234567", "+905320000026"):
            send: dict[str, Any] = {
                "messaging_product": "whatsapp",
                "to": to,
                "type": "template",
                "template": {"name": "daily_offer", "language": {"code": "tr"}},
            }
            answer = httpx.post(
                f"{base}/v25.0/{PHONE_NUMBER_ID}/messages", json=send, headers=headers
            )
            assert answer.status_code == 200, answer.text
            ids.append(answer.json()["messages"][0]["id"])
        deadline = time.monotonic() + 60  # bounds a broken run only
        while len(_statuses(posts)) < 4 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=30)

    assert process.returncode == 0, output
    assert f"GRAPH_API_URL=http://127.0.0.1:{port}" in output
    assert "Traceback" not in output
    assert TOKEN not in output and SECRET not in output
    assert sorted(_statuses(posts)) == sorted(
        [(ids[0], "sent"), (ids[0], "delivered"), (ids[0], "read"), (ids[1], "failed")]
    )
    for post_headers, body in posts:
        expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        assert post_headers["X-Hub-Signature-256"] == expected
    lines = [json.loads(line) for line in truth.read_text().splitlines()]
    assert [line["message_id"] for line in lines] == ids
    assert {line["template"] for line in lines} == {"daily_offer"}
    assert all({"to", "language", "at"} <= line.keys() for line in lines)


def _wait_until_up(process: subprocess.Popen[str], url: str, headers: dict[str, str]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"simulator exited early:\n{process.communicate()[0]}")
        try:
            if httpx.get(url, headers=headers, timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError("simulator did not come up in 60 s")
