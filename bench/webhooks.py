"""Webhook receiver speed: single-status signed POSTs while a campaign sends at 1,000 msg/s.

Target: ≥ 3,000 POST /webhook per second, answer p99 < 50 ms, every body answered 200 stored
and processed, with a campaign sending at SEND_RATE 1000 in the same `wabroadcast serve`
(against the stand-in Graph API of bench/standin.py, which answers after 150 ms).

Steps, all on 127.0.0.1:

1. `bare`: a bare Starlette endpoint checking the same HMAC (bench/bare_webhook.py) under the
   same wrk load: what the HTTP stack alone does on this machine, for the ratio.
2. Seed a fresh database (an SQLite file, or a fresh schema in PostgreSQL) with contacts and
   one accepted send per body to post, start the stand-in and `wabroadcast serve`, start a
   campaign through the API and wait until it sends.
3. `serve`: wrk (one thread, `--connections` keep-alive connections, `--seconds` long) posts
   single-status bodies, each for a different message id (signed beforehand; the Lua script
   builds body k from the same template), then waits until every stored body is processed.
4. Check: stored bench bodies ≥ bodies answered 200 (wrk counts completed answers; bodies in
   flight when wrk stops may be stored without being counted), ≤ bodies sent, and one status
   fact per stored body; the campaign's send rate during the wrk window from the stand-in.

    .venv/bin/python bench/webhooks.py [--database sqlite|postgresql] [--seconds 15]
        [--connections 16] [--profile /tmp/serve.svg] [--stacks]

Writes bench/results/webhooks.json (one key per database: runs on SQLite and PostgreSQL are
kept side by side). Needs `wrk` (apt-get install wrk).
"""

from __future__ import annotations

import sys

# bench/select.py shadows the standard library's `select` (which asyncio imports) when a
# script in this folder runs: take the folder off the import path first.
if sys.path and sys.path[0].rstrip("/").endswith("bench"):
    sys.path.pop(0)
sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[1]))  # bench.*

import argparse  # noqa: E402
import hashlib  # noqa: E402
import hmac  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from contextlib import contextmanager  # noqa: E402
from datetime import UTC, datetime  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import httpx  # noqa: E402
from sqlalchemy import create_engine, insert, text  # noqa: E402

from bench.api import post_campaign  # noqa: E402
from wabroadcast.storage.db import Database  # noqa: E402
from wabroadcast.storage.tables import Campaign, Contact, Send  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).parent / "results"
APP_SECRET = "bench-app-secret-1c9e7a55"
API_TOKEN = "bench-api-token-5b2f0e8d1a"
GRAPH_TOKEN = "EAAbenchSTANDINtoken0123456789"
PHONE_NUMBER_ID = "106540352242922"
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
TARGET = {"posts_per_s": 3000, "answer_p99_ms": 50, "campaign_msg_per_s": 1000}

# Body k: one `delivered` status for wamid.bench.k. The same format string is used by Lua's
# string.format in the wrk script, so the bytes signed here are the bytes wrk sends.
BODY = (
    '{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{'
    '"field":"messages","value":{"messaging_product":"whatsapp","metadata":{'
    '"display_phone_number":"15550783881","phone_number_id":"106540352242922"},'
    '"statuses":[{"id":"wamid.bench.%d","status":"delivered","timestamp":"1765810805",'
    '"recipient_id":"9053%08d","pricing":{"billable":true,"pricing_model":"PMP",'
    '"type":"regular","category":"marketing"}}]}}]}]}'
)

WRK_SCRIPT = """
local fmt = [[%(body)s]]
local sigs = {}
local threads = {}
local counter = 0
sent = 0
wrapped = 0

function setup(thread)
  thread:set("first", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  for line in io.lines(args[1]) do sigs[#sigs + 1] = line end
  stride = tonumber(args[2])
end

function request()
  local k = first + counter * stride
  counter = counter + 1
  if k > #sigs then
    wrapped = 1
    k = (k - 1) %% #sigs + 1
  end
  sent = sent + 1
  local headers = {}
  headers["Content-Type"] = "application/json"
  headers["X-Hub-Signature-256"] = "sha256=" .. sigs[k]
  return wrk.format("POST", "/webhook", headers, string.format(fmt, k, k))
end

function done(summary, latency, requests)
  local total, wraps = 0, 0
  for _, t in ipairs(threads) do
    total = total + t:get("sent")
    wraps = wraps + t:get("wrapped")
  end
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"completed":%%d,"non2xx":%%d,"connect_errors":%%d,"read_errors":%%d,' ..
    '"write_errors":%%d,"timeouts":%%d,"duration_us":%%d,"p50_us":%%d,"p90_us":%%d,' ..
    '"p99_us":%%d,"max_us":%%d,"sent":%%d,"wrapped":%%d}\\n',
    summary.requests, e.status, e.connect, e.read, e.write, e.timeout, summary.duration,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    total, wraps))
end
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_port(port: int, process: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{process.args!r} exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"nothing listening on port {port}")


def stop(process: subprocess.Popen[bytes], sig: int = signal.SIGINT) -> None:
    if process.poll() is None:
        process.send_signal(sig)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def write_signatures(path: Path, count: int) -> None:
    key = APP_SECRET.encode()
    with path.open("w") as out:
        for k in range(1, count + 1):
            raw = (BODY % (k, k)).encode()
            out.write(hmac.new(key, raw, hashlib.sha256).hexdigest() + "\n")


def run_wrk(port: int, workdir: Path, args: argparse.Namespace, seconds: float) -> dict[str, Any]:
    """One wrk run (bounded by ``seconds``) against 127.0.0.1:port; its Lua summary."""
    script = workdir / "post.lua"
    script.write_text(WRK_SCRIPT % {"body": BODY})
    command = ["wrk", "-t", str(args.threads), "-c", str(args.connections)]
    command += ["-d", f"{seconds:g}s", "--timeout", "5s", "-s", str(script)]
    command += [f"http://127.0.0.1:{port}/webhook", "--", str(workdir / "sigs.txt")]
    command += [str(args.threads)]
    output = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    for line in output.stdout.splitlines():
        if line.startswith("WRKJSON "):
            raw = json.loads(line[len("WRKJSON ") :])
            seconds_run = raw["duration_us"] / 1e6
            ok = raw["completed"] - raw["non2xx"]
            return {
                **raw,
                "answered_200": ok,
                "posts_per_s": round(ok / seconds_run),
                "answer_ms": {
                    key: round(raw[f"{key}_us"] / 1000, 2) for key in ("p50", "p90", "p99", "max")
                },
            }
    raise SystemExit(f"wrk gave no summary: {output.stdout}\n{output.stderr}")


def bare(port_args: argparse.Namespace, workdir: Path, http: str, loop: str) -> dict[str, Any]:
    port = free_port()
    command = [sys.executable, str(ROOT / "bench" / "bare_webhook.py"), str(port), APP_SECRET]
    command += ["--http", http, "--loop", loop]
    process = subprocess.Popen(command, cwd=workdir)
    try:
        wait_port(port, process)
        result = run_wrk(port, workdir, port_args, port_args.bare_seconds)
    finally:
        stop(process)
    return {"http": http, "loop": loop, **result}


@contextmanager
def database_url(kind: str, workdir: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{workdir / 'bench.db'}"
        return
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    engine = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    finally:
        with engine.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


def seed(url: str, bodies: int, campaign_contacts: int) -> None:
    """Contacts, and one accepted send (message id wamid.bench.k) per body to post."""
    database = Database(url)  # creates the schema
    now = datetime.now(UTC)
    contacts = max(bodies, campaign_contacts)
    with database.session() as session:
        session.execute(
            insert(Contact),
            [
                {"id": i, "phone": f"+9053{i:08d}", "index": i, "attributes": {}}
                | {"created_at": now, "updated_at": now}
                for i in range(1, contacts + 1)
            ],
        )
        session.execute(
            insert(Campaign).values(
                id=1,
                template_name="bench_old",
                language="tr",
                phone_number_id=PHONE_NUMBER_ID,
                state="completed",
                requested_limit=bodies,
                eligible_count=bodies,
                selected_count=bodies,
                accepted_count=bodies,
                failures={},
                parameters={},
                created_at=now,
                updated_at=now,
            )
        )
        session.execute(
            insert(Send),
            [
                {"id": i, "template_name": "bench_old", "contact_id": i, "campaign_id": 1}
                | {"language": "tr", "phone": f"+9053{i:08d}", "state": "accepted"}
                | {"message_id": f"wamid.bench.{i}", "attempts": 1, "claimed_at": now}
                | {"accepted_at": now, "updated_at": now}
                for i in range(1, bodies + 1)
            ],
        )
        if url.startswith("postgresql"):  # explicit ids: move the sequences past them
            for table in ("contacts", "campaigns", "sends"):
                session.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))"
                    )
                )
    database.dispose()


def counts(url: str) -> dict[str, int]:
    database = Database(url)
    try:
        with database.session() as session:

            def one(sql: str) -> int:
                return int(session.execute(text(sql)).scalar_one())

            return {
                "unprocessed": one(
                    "SELECT count(*) FROM webhook_events WHERE processed_at IS NULL"
                ),
                "bench_bodies": one(
                    "SELECT count(*) FROM webhook_events WHERE body LIKE '%wamid.bench.%'"
                ),
                "bench_errors": one(
                    "SELECT count(*) FROM webhook_events "
                    "WHERE body LIKE '%wamid.bench.%' AND error IS NOT NULL"
                ),
                "bench_status_facts": one(
                    "SELECT count(*) FROM status_events WHERE message_id LIKE 'wamid.bench.%'"
                ),
                "bench_sends_delivered": one(
                    "SELECT count(*) FROM sends WHERE message_id LIKE 'wamid.bench.%' "
                    "AND status = 'delivered'"
                ),
            }
    finally:
        database.dispose()


def wait_processed(url: str, timeout: float) -> tuple[float, dict[str, int]]:
    started = time.perf_counter()
    while True:
        found = counts(url)
        done = found["unprocessed"] == 0 and found["bench_status_facts"] >= found["bench_bodies"]
        if done or time.perf_counter() - started > timeout:
            return time.perf_counter() - started, found
        time.sleep(0.2)


def start_campaign(port: int, limit: int) -> int:
    headers = {"Authorization": f"Bearer {API_TOKEN}"}
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=30) as client:
        for _ in range(600):
            try:
                if client.get("/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        campaign_id = post_campaign(client, limit)
        for _ in range(300):  # until it is sending
            if client.get(f"/api/campaigns/{campaign_id}").json().get("accepted", 0) > 0:
                return campaign_id
            time.sleep(0.1)
    raise SystemExit("the campaign did not start sending")


def serve_run(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    with database_url(args.database, workdir) as url:
        campaign_limit = int(args.send_rate * (args.seconds + 30))
        seed(url, args.bodies, campaign_limit)
        standin_port = free_port()
        times_file = workdir / "standin-times.txt"
        standin = subprocess.Popen(
            [sys.executable, str(ROOT / "bench" / "standin.py"), str(standin_port)]
            + [str(times_file), "--latency-ms", "150"]
        )
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("WHATSAPP_", "GRAPH_"))}
        env |= {
            "DATABASE_URL": url,
            "GRAPH_API_URL": f"http://127.0.0.1:{standin_port}",
            "WHATSAPP_ACCESS_TOKEN": GRAPH_TOKEN,
            "PHONE_NUMBER_ID": PHONE_NUMBER_ID,
            "WHATSAPP_APP_SECRET": APP_SECRET,
            "VERIFY_TOKEN": "bench-verify",
            "WABROADCAST_API_TOKEN": API_TOKEN,
            "SEND_RATE": str(args.send_rate or 1000),
            "DAILY_RECIPIENT_LIMIT": "10000000",
        }
        command = [sys.executable, "-m", "wabroadcast", "--env-file", "/nonexistent/.env"]
        command += ["serve", "--port", str(port)]
        with (workdir / "server.log").open("wb") as log:
            server = subprocess.Popen(command, cwd=workdir, env=env, stdout=log, stderr=log)
        profiler: subprocess.Popen[bytes] | None = None
        try:
            wait_port(standin_port, standin)
            wait_port(port, server)
            if args.send_rate > 0:
                start_campaign(port, campaign_limit)
            if args.profile:
                profiler = subprocess.Popen(
                    [str(Path(sys.executable).parent / "py-spy"), "record", "-o", args.profile]
                    + ["--pid", str(server.pid), "-d", str(int(args.seconds)), "-r", "100"]
                    + ([] if args.profile.endswith(".svg") else ["-f", "raw"])
                    + (["--gil"] if args.profile_gil else []),
                )
            window_start = time.time()
            result = run_wrk(port, workdir, args, args.seconds)
            window_end = time.time()
            processed_after, found = wait_processed(url, timeout=120)
            if profiler is not None:
                profiler.wait(timeout=60)
        finally:
            stop(server)
            stop(standin, signal.SIGTERM)
    sends = [float(line) for line in times_file.read_text().split()] if times_file.exists() else []
    in_window = [t for t in sends if window_start <= t <= window_end]
    campaign_rate = len(in_window) / (window_end - window_start)
    checks = {
        "every_200_stored": found["bench_bodies"] >= result["answered_200"],
        "nothing_extra_stored": found["bench_bodies"] <= result["sent"],
        "every_stored_processed": found["unprocessed"] == 0
        and found["bench_status_facts"] == found["bench_bodies"]
        and found["bench_sends_delivered"] == found["bench_bodies"],
        "no_body_errors": found["bench_errors"] == 0,
        "ids_not_reused": result["wrapped"] == 0,
    }
    return {
        **result,
        "stored": found,
        "processing_done_s_after_wrk": round(processed_after, 2),
        "campaign_msg_per_s_during_wrk": round(campaign_rate, 1),
        "checks": checks,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--seconds", type=float, default=15.0, help="wrk run against serve")
    parser.add_argument("--bare-seconds", type=float, default=8.0, help="wrk run, bare endpoint")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument("--bodies", type=int, default=120_000, help="distinct signed bodies")
    parser.add_argument("--send-rate", type=float, default=1000.0, help="0: no campaign")
    parser.add_argument(
        "--profile", help="py-spy profile of serve during wrk (.svg, else collapsed stacks)"
    )
    parser.add_argument("--profile-gil", action="store_true", help="sample the GIL holder only")
    parser.add_argument("--stacks", action="store_true", help="also time h11/asyncio, bare")
    parser.add_argument("--label", default="", help="kept with the result")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk not found (apt-get install wrk)")
    RESULTS.mkdir(exist_ok=True)
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="wabroadcast-bench-") as tmp:
        workdir = Path(tmp)
        write_signatures(workdir / "sigs.txt", args.bodies)
        stacks = [("auto", "auto")] + ([("h11", "asyncio")] if args.stacks else [])
        bare_runs = [bare(args, workdir, http, loop) for http, loop in stacks]
        serve = serve_run(args, workdir)
    bare_rate = bare_runs[0]["posts_per_s"]
    result = {
        "label": args.label,
        "database": args.database,
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join(["bench/webhooks.py", *sys.argv[1:]]),
        "connections": args.connections,
        "wrk_threads": args.threads,
        "bare": bare_runs,
        "serve": serve,
        "ratio_to_bare": round(serve["posts_per_s"] / bare_rate, 3) if bare_rate else None,
        "target": TARGET,
        "met": serve["posts_per_s"] >= TARGET["posts_per_s"]
        and serve["answer_ms"]["p99"] < TARGET["answer_p99_ms"]
        and (args.send_rate == 0 or serve["campaign_msg_per_s_during_wrk"] >= 950)
        and all(serve["checks"].values()),
        "load_average_1min": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "cpus": os.cpu_count(),
    }
    print(json.dumps(result, indent=2))
    out = RESULTS / "webhooks.json"
    saved: dict[str, Any] = json.loads(out.read_text()) if out.exists() else {}
    saved[args.database] = result
    out.write_text(json.dumps(saved, indent=2) + "\n")
    print(f"written to {out}")


if __name__ == "__main__":
    main()
