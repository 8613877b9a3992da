"""One thread that turns stored webhook bodies into facts, off the request path.

Meta wants a 200 fast and sends ~3× the send rate in status webhooks. If every request
processed its own body in the server's thread pool, the bodies would queue on the processing
lock while holding the pool's threads, and the next requests would wait for a thread just to
store their body (seconds at a few thousand statuses/s). So requests only store and wake this
worker, which drains every unprocessed body in order — including ones left by a crash or
stored by another process — links early statuses, and prunes the raw log now and then.
"""

from __future__ import annotations

import logging
import threading
import time

from wabroadcast.clock import Clock
from wabroadcast.storage.db import Database
from wabroadcast.webhooks.apply import WebhookRules
from wabroadcast.webhooks.processing import (
    link_pending_statuses,
    process_pending,
    prune_webhook_log,
)

log = logging.getLogger(__name__)
SWEEP_SECONDS = 2.0
LINK_EVERY_SECONDS = 1.0
PRUNE_EVERY_SECONDS = 3600.0
GATHER_SECONDS = 0.005
"""After a wake-up, let this long of bodies gather so one transaction processes a group of
them rather than each wake-up a body or two (the requests were answered already)."""


class WebhookWorker:
    def __init__(
        self,
        database: Database,
        clock: Clock,
        rules: WebhookRules,
        *,
        retention_days: int,
        sweep_seconds: float = SWEEP_SECONDS,
    ) -> None:
        self._database = database
        self._clock = clock
        self._rules = rules
        self._retention_days = retention_days
        self._sweep_seconds = sweep_seconds
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Start draining at once: this is the start-up pass over leftovers."""
        if self.running:
            return
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name="webhook-worker", daemon=True)
        self._thread.start()

    def notify(self) -> None:
        """A body was stored: process it now rather than at the next sweep."""
        self._wake.set()

    def stop(self, timeout: float = 30.0) -> None:
        """Finish the body in hand and stop; the rest waits for the next start."""
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        next_prune = next_link = 0.0
        while not self._stopping.is_set():
            self._wake.clear()  # before draining, so a notify during the drain is not lost
            try:
                process_pending(
                    self._database, self._clock, self._rules, stop=self._stopping, link=False
                )
                if time.monotonic() >= next_link:
                    link_pending_statuses(self._database, self._clock)
                    next_link = time.monotonic() + LINK_EVERY_SECONDS
                if time.monotonic() >= next_prune:
                    prune_webhook_log(self._database, self._clock, self._retention_days)
                    next_prune = time.monotonic() + PRUNE_EVERY_SECONDS
            except Exception:  # keep going; the next round retries
                log.exception("webhook worker round failed")
            if self._wake.wait(self._sweep_seconds):
                self._stopping.wait(GATHER_SECONDS)
