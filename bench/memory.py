# ruff: noqa: E402 - the imports follow the sys.path fix below
"""Memory: peak RSS of a 100,000-send campaign over 1,000,000 contacts, in the CLI and in serve.

Target: each process stays under 200 MB resident while it sends, and `send --json` streams its
answer rather than holding every result.

One SQLite file with N contacts is built once (bench/send.py's `fresh_database`, in chunks,
in a child process) and copied for each case; each case sends against its own stand-in Graph API
(bench/standin.py, answering after 150 ms), at SEND_RATE 1000 by default.

- cli: `wabroadcast send --template daily_offer --language tr --limit SENDS --json`, stdout to
  a file that must parse as one JSON document with SENDS results, all `success`;
- serve: `wabroadcast serve` on a free port, a campaign of SENDS created with
  POST /api/campaigns and polled (GET /api/campaigns/{id}) until `completed`.

For both, VmRSS and VmHWM are read from /proc/PID/status every 0.5 s (the curve), and the
peak is the child's ru_maxrss from os.wait4 once it has exited (serve is stopped with SIGINT
after the campaign), or the last VmHWM seen when ru_maxrss may be this process's (see
`Child`). The stand-in must have received SENDS sends.

    .venv/bin/python bench/memory.py [--contacts 1000000] [--sends 100000] [--rate 1000]
        [--only cli|serve] [--timeout 600]

Writes bench/results/memory.json.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# bench/select.py shadows the standard `select` that asyncio imports: take this folder off the
# import path and load the sibling scripts as `bench.*` from the repository root.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

import argparse
import json
import os
import resource
import shutil
import signal
import subprocess
import time
from datetime import UTC, datetime
from typing import Any

import httpx

from bench.api import post_campaign
from bench.send import PHONE_NUMBER_ID, RESULTS, TOKEN, StandIn, span_rate
from bench.webhooks import API_TOKEN, APP_SECRET, free_port, wait_port

TARGET_MB = 200.0
SAMPLE_EVERY = 0.5


def memory_mb(pid: int) -> tuple[float, float] | None:
    """(VmRSS, VmHWM) of a live process: resident now, and its peak since its exec."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    found = {}
    for line in status.splitlines():
        if line.startswith(("VmRSS:", "VmHWM:")):
            found[line[:5]] = int(line.split()[1]) / 1024
    if len(found) < 2:  # a zombie has no address space left
        return None
    return found["VmRSS"], found["VmHWM"]


def own_peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Child:
    """A child process whose VmRSS and VmHWM are sampled, reaped with os.wait4.

    The child's ru_maxrss is not its own figure alone: subprocess starts it with vfork, and
    exec records the high-water mark of the address space it leaves, this process's. So it
    is at least this process's peak at the start (checked in `figures`); VmHWM is counted
    from the exec on, but is only seen up to the last sample before the child exits."""

    def __init__(self, command: list[str], env: dict[str, str], stdout: Path, log: Path) -> None:
        with stdout.open("wb") as out, log.open("wb") as err:
            self.parent_peak_mb = own_peak_mb()
            self.process = subprocess.Popen(command, env=env, stdout=out, stderr=err, cwd=ROOT)
        self.started = time.monotonic()
        self.curve: list[tuple[float, float]] = []
        self.hwm_mb = 0.0
        self.ru_maxrss_mb: float | None = None
        self.exit_code: int | None = None

    def sample(self) -> None:
        found = memory_mb(self.process.pid)
        if found is not None and self.exit_code is None:
            self.curve.append((round(time.monotonic() - self.started, 2), round(found[0], 1)))
            self.hwm_mb = max(self.hwm_mb, found[1])

    def poll(self) -> bool:
        """True once it has exited (and is reaped)."""
        if self.exit_code is not None:
            return True
        pid, status, usage = os.wait4(self.process.pid, os.WNOHANG)
        if pid == 0:
            return False
        self.exit_code = self.process.returncode = os.waitstatus_to_exitcode(status)
        self.ru_maxrss_mb = usage.ru_maxrss / 1024
        return True

    def wait(self, seconds: float) -> bool:
        """Sample until it exits or `seconds` pass; False on timeout."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.sample()
            if self.poll():
                return True
            time.sleep(SAMPLE_EVERY)
        return self.poll()

    def stop(self) -> None:
        """SIGINT (serve shuts down cleanly), then SIGKILL after 30 s."""
        if self.poll():
            return
        self.process.send_signal(signal.SIGINT)
        if not self.wait(30):
            self.process.kill()
            self.wait(10)

    def figures(self) -> dict[str, Any]:
        """The peak is ru_maxrss when it is above this process's peak at the start (so it is
        the child's own), else the last VmHWM seen."""
        own = self.ru_maxrss_mb is not None and self.ru_maxrss_mb > self.parent_peak_mb + 1
        peak = self.ru_maxrss_mb if own else self.hwm_mb
        return {
            "exit_code": self.exit_code,
            "peak_rss_mb": round(peak, 1) if peak else None,
            "peak_from": "ru_maxrss" if own else "VmHWM",
            "ru_maxrss_mb": round(self.ru_maxrss_mb, 1) if self.ru_maxrss_mb else None,
            "parent_peak_at_start_mb": round(self.parent_peak_mb, 1),
            "vmhwm_last_seen_mb": round(self.hwm_mb, 1),
            "vmrss_curve_max_mb": max((mb for _, mb in self.curve), default=None),
            "vmrss_samples": len(self.curve),
            "vmrss_curve": self.curve,
        }


def child_env(database: Path, standin: StandIn, rate: float) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WHATSAPP_", "GRAPH_"))}
    return env | {
        "DATABASE_URL": f"sqlite:///{database}",
        "GRAPH_API_URL": standin.url,
        "WHATSAPP_ACCESS_TOKEN": TOKEN,
        "PHONE_NUMBER_ID": PHONE_NUMBER_ID,
        "WHATSAPP_APP_SECRET": APP_SECRET,
        "VERIFY_TOKEN": "bench-verify",
        "WABROADCAST_API_TOKEN": API_TOKEN,
        "SEND_RATE": str(rate),
        "DAILY_RECIPIENT_LIMIT": "10000000",
    }


WABROADCAST = [sys.executable, "-m", "wabroadcast", "--env-file", "/nonexistent/.env"]


CHECK_JSON = """
import json, sys
try:
    results = json.load(open(sys.argv[1]))["results"]
except ValueError as error:
    print(json.dumps({"valid_json": False, "error": str(error)}))
else:
    success = sum(1 for r in results if r.get("status") == "success")
    print(json.dumps({"valid_json": True, "results": len(results), "success": success}))
"""


def check_json(path: Path, sends: int) -> dict[str, Any]:
    """`send --json` prints one indented JSON document, one result per line. It is parsed in a
    child process, so that 100,000 parsed results do not raise this process's peak (see
    `Child`) before the serve case starts."""
    command = [sys.executable, "-c", CHECK_JSON, str(path)]
    found: dict[str, Any] = json.loads(subprocess.check_output(command, timeout=120))
    found["bytes"] = path.stat().st_size
    found["ok"] = found["valid_json"] and found["results"] == found["success"] == sends
    return found


def cli_case(database: Path, args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    command = WABROADCAST + ["send", "--template", "daily_offer", "--language", "tr"]
    command += ["--limit", str(args.sends), "--json"]
    out = workdir / "send.json"
    standin = StandIn(150.0)
    times: list[float] = []
    try:
        env = child_env(database, standin, args.rate)
        started = time.perf_counter()
        child = Child(command, env, out, workdir / "send.log")
        finished = False
        try:
            finished = child.wait(args.timeout)
        finally:
            if not finished:
                child.process.kill()
                child.wait(10)
        seconds = time.perf_counter() - started
    finally:
        times = standin.stop()
    return {
        "finished": finished,
        "wall_seconds": round(seconds, 2),
        **outcome(times, args.sends),
        "json_output": check_json(out, args.sends) if finished else None,
        **child.figures(),
    }


def outcome(times: list[float], sends: int) -> dict[str, Any]:
    span, achieved = span_rate(times)
    return {
        "received": len(times),
        "all_received": len(times) == sends,
        "sending_seconds": round(span, 2),
        "achieved_rate": round(achieved, 1),
    }


def run_campaign(port: int, sends: int, child: Child, timeout: float) -> dict[str, Any]:
    """Create the campaign over the API and poll it until it completes (sampling meanwhile)."""
    headers = {"Authorization": f"Bearer {API_TOKEN}"}
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=30) as http:
        child.sample()
        idle_rss = child.curve[-1][1] if child.curve else None
        campaign_id = post_campaign(http, sends)
        started = time.perf_counter()
        deadline = time.monotonic() + timeout
        campaign: dict[str, Any] = {}
        while time.monotonic() < deadline:
            child.sample()
            if child.poll():
                break
            campaign = http.get(f"/api/campaigns/{campaign_id}").json()
            if campaign["state"] not in ("running", "waiting"):
                break
            time.sleep(SAMPLE_EVERY)
        seconds = time.perf_counter() - started
    return {
        "campaign_id": campaign_id,
        "state": campaign.get("state"),
        "accepted": campaign.get("accepted"),
        "failed": campaign.get("failed"),
        "completed": campaign.get("state") == "completed" and campaign.get("accepted") == sends,
        "wall_seconds": round(seconds, 2),
        "idle_vmrss_mb": idle_rss,
    }


def serve_case(database: Path, args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    port = free_port()
    command = WABROADCAST + ["serve", "--port", str(port)]
    standin = StandIn(150.0)
    times: list[float] = []
    try:
        env = child_env(database, standin, args.rate)
        child = Child(command, env, workdir / "serve.out", workdir / "serve.log")
        try:
            wait_port(port, child.process)
            campaign = run_campaign(port, args.sends, child, args.timeout)
        finally:
            child.stop()
    finally:
        times = standin.stop()
    return {**campaign, **outcome(times, args.sends), **child.figures()}


def report(name: str, case: dict[str, Any], sends: int) -> bool:
    peak = case["peak_rss_mb"]
    checks = "all received" if case["all_received"] else f"only {case['received']} received"
    if "json_output" in case:
        found = case["json_output"] or {}
        done = bool(found.get("ok"))
        checks += f", --json {found.get('results', 0):,} results" + (
            "" if done else " (NOT all success / not valid)"
        )
    else:
        done = case["completed"]
        checks += f", campaign {case['state']} with {case['accepted']} accepted"
    met = peak is not None and peak < TARGET_MB and case["all_received"] and done
    print(
        f"{name}: {case['received']:,}/{sends:,} messages, {case['wall_seconds']:.1f} s "
        f"(sending {case['sending_seconds']:.1f} s), {case['achieved_rate']:.1f} msg/s; "
        f"peak RSS {peak or 0:.1f} MB ({case['peak_from']}; VmRSS curve max "
        f"{case['vmrss_curve_max_mb'] or 0:.1f} MB, {case['vmrss_samples']} samples); "
        f"{checks}; target < {TARGET_MB:.0f} MB: "
        f"{'met' if met else 'not met'}",
        flush=True,
    )
    return met


def build_database(path: Path, contacts: int) -> float:
    """bench/send.py's `fresh_database`, in a child process: building a million rows would
    raise this process's peak above the senders', and a child's ru_maxrss starts from it."""
    started = time.perf_counter()
    code = "import sys; from pathlib import Path; from bench.send import fresh_database; "
    code += "fresh_database(Path(sys.argv[1]), int(sys.argv[2]))"
    command = [sys.executable, "-c", code, str(path), str(contacts)]
    subprocess.run(command, cwd=ROOT, check=True, timeout=600)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--sends", type=int, default=100_000)
    parser.add_argument("--rate", type=float, default=1000.0, help="SEND_RATE")
    parser.add_argument("--only", choices=["cli", "serve"])
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per case")
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    workdir = RESULTS / "memory"
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir()
    template = workdir / "contacts.db"
    build_seconds = build_database(template, args.contacts)
    print(f"database: {args.contacts:,} contacts in {build_seconds:.1f} s", flush=True)
    cases = {"cli": cli_case, "serve": serve_case}
    results: dict[str, Any] = {}
    try:
        for name, case in cases.items():
            if args.only not in (None, name):
                continue
            database = workdir / f"{name}.db"
            shutil.copyfile(template, database)
            results[name] = case(database, args, workdir)
            results[name]["met"] = report(name, results[name], args.sends)
    finally:
        for path in workdir.glob("*.db*"):
            path.unlink()
    out = RESULTS / "memory.json"
    saved = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join(["bench/memory.py", *sys.argv[1:]]),
        "contacts": args.contacts,
        "sends": args.sends,
        "send_rate": args.rate,
        "database_build_seconds": round(build_seconds, 1),
        "target_mb": TARGET_MB,
        "cpus": os.cpu_count(),
        "cases": results,
    }
    out.write_text(json.dumps(saved, indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
