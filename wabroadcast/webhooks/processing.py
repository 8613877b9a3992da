"""Turn stored raw webhook bodies into facts, exactly once each.

The request handler only stores the body and answers 200 (Meta expects a fast answer and
retries anything else for 7 days); this module does the work afterwards. Each body is
processed in one transaction whose first write claims the row, so a crash rolls back both and
``process_pending`` (run at start-up and every few seconds) finishes the job.

Writes in this process go through :data:`WRITE_GATE`: processing is serialized (the facts of
one body touch several rows: send, contact, campaign counts), and storing a new body — which
Meta is waiting on — goes first. SQLite's write lock is not fair: without the gate a worker
draining a backlog re-takes it between bodies while a request's INSERT sleeps in the busy
handler, and answers stall for seconds.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.orm import Session

from wabroadcast.clock import Clock
from wabroadcast.storage import webhook_events
from wabroadcast.storage.db import Database
from wabroadcast.storage.retry import is_deadlock, retry_on_conflict
from wabroadcast.webhooks.account_apply import apply_account_update
from wabroadcast.webhooks.apply import (
    WebhookRules,
    apply_payload,
    apply_preference,
    apply_template_change,
    record_reply,
)
from wabroadcast.webhooks.parse import ParsedWebhook, StatusUpdate, parse_payload
from wabroadcast.webhooks.statuses import link_orphans, record_statuses, record_statuses_of_bodies

log = logging.getLogger(__name__)
RETRYABLE = (OperationalError, InterfaceError, IntegrityError)
"""Lock timeouts, lost connections, and a unique row created at the same moment by another
process: trying again later can succeed. Other database errors (bad data) cannot."""


class WriteGate:
    """One webhook writer at a time in this process; stores go before processing.

    Writers that wait here are handed the turn at once. Left to SQLite they would poll its
    write lock with sleeps that grow to 100 ms, which is what answer times would show.
    """

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._stores_waiting = 0
        self._busy = False

    @contextmanager
    def store(self) -> Iterator[None]:
        with self._condition:
            self._stores_waiting += 1
            while self._busy:
                self._condition.wait()
            self._stores_waiting -= 1
            self._busy = True
        try:
            yield
        finally:
            self._release()

    @contextmanager
    def process(self) -> Iterator[None]:
        with self._condition:
            while self._busy or self._stores_waiting:
                self._condition.wait()
            self._busy = True
        try:
            yield
        finally:
            self._release()

    def _release(self) -> None:
        with self._condition:
            self._busy = False
            self._condition.notify_all()


WRITE_GATE = WriteGate()


def _describe(exc: BaseException) -> str:
    """First line only: driver messages can run long; they never hold our secrets."""
    first = (str(exc).strip().splitlines() or [""])[0]
    return f"{type(exc).__name__}: {first}"[:500]


GROUP_BYTES = 64 * 1024
"""Small bodies (one status each, as the simulator and often Meta send them) are processed
several per transaction up to this much JSON: the per-transaction cost would otherwise
dominate, and a request storing a new body waits at most for one group."""
GROUP_BODIES = 100


def process_event(
    database: Database, event_id: int, clock: Clock, rules: WebhookRules | None = None
) -> bool:
    """Apply one stored body; True when this call processed it."""
    return process_events(database, [event_id], clock, rules) == 1


def process_events(
    database: Database,
    event_ids: Sequence[int],
    clock: Clock,
    rules: WebhookRules | None = None,
    *,
    one_by_one: bool = False,
) -> int:
    """Apply stored bodies in one transaction, in id order; returns how many this call did.

    If the group fails, each body is retried alone, so one bad body never holds back others.
    Alone, a database error (lock timeout, lost connection) leaves the row unprocessed to be
    retried; any other error makes a last pass that applies the body's items one by one,
    each in its own savepoint, so one item the database refuses costs only itself. A body
    that still fails (not JSON at all) is marked processed with the error, so it shows in the
    log instead of failing again forever.
    """
    rules = rules or WebhookRules()
    with WRITE_GATE.process():
        try:  # a lost deadlock with the engine's answer writer is retried at once; SQLite
            # locked past busy_timeout is not (stores wait on this gate): process_pending is
            apply = partial(_apply_group, database, event_ids, clock, rules, one_by_one)
            return retry_on_conflict(apply, what="applying webhook events", retryable=is_deadlock)
        except RETRYABLE as exc:
            error, retry = _describe(exc), True
            if len(event_ids) == 1:
                log.warning("webhook event %s not processed, will retry: %s", event_ids[0], error)
        except Exception as exc:
            error, retry = _describe(exc), False
            if len(event_ids) == 1 and one_by_one:
                log.exception("webhook event %s could not be applied", event_ids[0])
    if len(event_ids) > 1:
        return sum(process_events(database, [i], clock, rules) for i in event_ids)
    if not retry and not one_by_one:
        return process_events(database, event_ids, clock, rules, one_by_one=True)
    _record_error(database, event_ids[0], error, clock, retry=retry)
    return 0


def int_or_digits(digits: str) -> int | str:
    """Python refuses to convert more than 4,300 digits; such a number stays text here, and
    the field it sits in is then judged on its own (a timestamp out of range, say)."""
    return int(digits) if len(digits) <= 4300 else digits


def load_body(body: str) -> Any:
    """The stored body as JSON (NaN and Infinity allowed through: they fail as values)."""
    return json.loads(body, parse_int=int_or_digits)


def _apply_group(
    database: Database,
    event_ids: Sequence[int],
    clock: Clock,
    rules: WebhookRules,
    one_by_one: bool = False,
) -> int:
    """Apply the bodies in order. A run of consecutive bodies holding only statuses (the usual
    case) is recorded in one go; any other body is applied on its own at its place, so that
    replies, opt-ins and status failures keep the order Meta sent them in."""
    with database.session() as session:
        now = clock.now()
        events = webhook_events.claim_many(session, event_ids, now)
        errors: dict[int, str] = {}
        statuses: list[tuple[StatusUpdate, int | None]] = []
        for event in events:
            parsed = parse_payload(load_body(event.body), event.received_at)
            status_only = not (
                parsed.messages
                or parsed.preferences
                or parsed.template_changes
                or parsed.account_updates
            )
            if status_only and not one_by_one:
                statuses.extend((status, event.id) for status in parsed.statuses)
            else:
                if statuses:
                    record_statuses_of_bodies(session, statuses, now=now)
                    statuses = []
                if one_by_one:
                    parsed.problems += _apply_one_by_one(session, parsed, rules, event.id, now)
                else:
                    apply_payload(session, parsed, rules=rules, webhook_event_id=event.id, now=now)
            if parsed.problems:
                log.warning(
                    "webhook event %s: skipped %d item(s): %s",
                    event.id,
                    len(parsed.problems),
                    "; ".join(parsed.problems)[:1000],
                )
                errors[event.id] = skipped_summary(parsed.problems)
        if statuses:
            record_statuses_of_bodies(session, statuses, now=now)
        webhook_events.record_errors(session, errors)
        return len(events)


def skipped_summary(problems: Sequence[str], limit: int = 1900) -> str:
    """``skipped: <problem>; <problem> … and 7 more``, within the error column's budget."""
    text = "skipped: "
    for index, problem in enumerate(problems):
        piece = ("; " if index else "") + problem
        if len(text) + len(piece) > limit:
            return text + f" … and {len(problems) - index} more"
        text += piece
    return text


def _apply_one_by_one(
    session: Session, parsed: ParsedWebhook, rules: WebhookRules, event_id: int, now: datetime
) -> list[str]:
    """Each item in its own savepoint; returns the problems of those the database refused."""
    steps: list[tuple[str, Callable[[], object]]] = []
    for status in parsed.statuses:
        run: Callable[[], object] = partial(
            record_statuses, session, [status], webhook_event_id=event_id, now=now
        )
        steps.append((status.where, run))
    for message in parsed.messages:
        run = partial(
            record_reply, session, message, rules=rules, webhook_event_id=event_id, now=now
        )
        steps.append((message.where, run))
    for preference in parsed.preferences:
        steps.append((preference.where, partial(apply_preference, session, preference, now=now)))
    for change in parsed.template_changes:
        steps.append((change.where, partial(apply_template_change, session, change, now=now)))
    for update in parsed.account_updates:
        steps.append((update.where, partial(apply_account_update, session, update, now=now)))
    problems: list[str] = []
    for where, run in steps:
        try:
            with session.begin_nested():
                run()
        except RETRYABLE:
            raise
        except Exception as exc:
            log.warning("webhook event %s: %s not applied", event_id, where, exc_info=True)
            problems.append(f"{where or 'an item'}: not applied ({type(exc).__name__})")
    return problems


def _record_error(
    database: Database, event_id: int, error: str, clock: Clock, *, retry: bool
) -> None:
    try:
        with database.session() as session:
            processed_at = None if retry else clock.now()
            webhook_events.record_error(session, event_id, error, processed_at=processed_at)
    except DBAPIError as exc:
        log.warning("could not record the error of webhook event %s: %s", event_id, _describe(exc))


def link_pending_statuses(database: Database, clock: Clock) -> int:
    """Link status facts that arrived before their send's message id was stored."""
    with WRITE_GATE.process():
        try:
            with database.session() as session:
                return link_orphans(session, now=clock.now())
        except DBAPIError as exc:
            log.warning("linking stored statuses failed, will retry: %s", _describe(exc))
            return 0


def process_pending(
    database: Database,
    clock: Clock,
    rules: WebhookRules | None = None,
    *,
    batch: int = 500,
    stop: threading.Event | None = None,
    link: bool = True,
) -> int:
    """Process every stored, unprocessed body (oldest first); returns how many were processed.

    Called at start-up so that a crash between storing and processing loses nothing, and
    after every stored body (by the worker) and periodically to retry bodies that met a
    database error. ``stop`` ends the pass early, between two bodies; ``link`` also links
    statuses stored before their send (the worker does that on its own schedule).
    """
    processed = 0
    tried: set[int] = set()
    while stop is None or not stop.is_set():
        with database.session() as session:
            found = webhook_events.pending_sizes(session, batch + len(tried))
        pending = [(i, size) for i, size in found if i not in tried][:batch]
        if not pending:
            break
        for group in _groups(pending):
            if stop is not None and stop.is_set():
                return processed
            tried.update(group)
            processed += process_events(database, group, clock, rules)
    if link:
        link_pending_statuses(database, clock)
    return processed


def _groups(pending: Sequence[tuple[int, int]]) -> Iterator[list[int]]:
    """Consecutive bodies up to GROUP_BYTES / GROUP_BODIES; a large body goes alone."""
    group: list[int] = []
    size = 0
    for event_id, length in pending:
        if group and (size + length > GROUP_BYTES or len(group) >= GROUP_BODIES):
            yield group
            group, size = [], 0
        group.append(event_id)
        size += length
    if group:
        yield group


def prune_webhook_log(database: Database, clock: Clock, days: int) -> int:
    """Delete processed raw bodies older than ``days``; statuses, replies, opt-outs stay."""
    older_than = clock.now() - timedelta(days=days)
    with database.session() as session:
        return webhook_events.prune(session, older_than)
