"""One odd item in a signed body costs only itself: the good items next to it are applied.

Each case posts, through the real router, a batch of one good ``read`` status for Ana's send
plus one bad item, and checks that the read landed and that the event's error names the bad
item and why it was skipped.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select, text

from tests.webhooks.conftest import W2, FixedClock, Hook, load_fixture
from wabroadcast.storage import webhook_events
from wabroadcast.storage.db import Database
from wabroadcast.storage.tables import OptOut, Reply, Send, WebhookEvent
from wabroadcast.webhooks.processing import process_events

pytestmark = pytest.mark.anyio
READ_AT = datetime.fromtimestamp(1765811102, UTC)  # the read fixture's timestamp
WHERE = "entry 0, change 0, statuses[1]"


def _read_plus(bad_status: Any) -> dict[str, Any]:
    payload = load_fixture("status_read")
    value = payload["entry"][0]["changes"][0]["value"]
    value["statuses"].append(bad_status)
    return payload


def _bad(**changes: Any) -> dict[str, Any]:
    status = {"id": W2, "status": "read", "timestamp": "1765811102", "recipient_id": "905321234567"}
    status.update(changes)
    return status


def _failed(code: Any) -> dict[str, Any]:
    return _bad(status="failed", errors=[{"code": code, "title": "odd"}])


BAD_STATUSES: dict[str, tuple[Any, str]] = {
    "superscript two": (_bad(timestamp="²"), "timestamp '²' is not a number"),
    "4,301 digits": (
        _bad(timestamp="1" * 4301),
        f"timestamp {'1' * 24!r}… (4,301 characters) is out of range",
    ),
    "huge error code": (
        _failed(10**30),
        "errors[0].code 100000000000… (31 digits) is out of range",
    ),
    "negative timestamp": (_bad(timestamp=-5), "timestamp -5 is out of range"),
    "float timestamp": (_bad(timestamp=1765811102.5), "timestamp 1765811102.5 is not a number"),
    "list timestamp": (_bad(timestamp=["1765811102"]), "timestamp a list is not a number"),
    "no id": (_bad(id=None), "no message id or status"),
    "id is an object": (_bad(id={"x": 1}), "no message id or status"),
    "status is a boolean": (_bad(status=True), "no message id or status"),
    "item is a list": ([W2, "read"], "is a list, not an object"),
    "item is a string": ("read", "is a string, not an object"),
    "item is null": (None, "is null, not an object"),
}


def _send_status(database: Database, send_id: int) -> tuple[str | None, datetime | None]:
    with database.session() as session:
        send = session.get(Send, send_id)
        assert send is not None
        return send.status, send.read_at


def _only_event(database: Database) -> WebhookEvent:
    with database.session() as session:
        return session.scalars(select(WebhookEvent)).one()


def _assert_read_landed(hook: Hook, seeded: dict[str, int]) -> None:
    status, read_at = _send_status(hook.database, seeded["send"])
    assert status == "read"
    assert read_at is not None and read_at.replace(tzinfo=UTC) == READ_AT


@pytest.mark.parametrize("case", sorted(BAD_STATUSES))
async def test_a_bad_status_is_skipped_and_named_and_the_good_one_applied(
    hook: Hook, seeded: dict[str, int], case: str
) -> None:
    bad, reason = BAD_STATUSES[case]
    response = await hook.post(_read_plus(bad))
    assert response.status_code == 200, response.text
    _assert_read_landed(hook, seeded)
    event = _only_event(hook.database)
    assert event.processed_at is not None
    assert event.error == f"skipped: {WHERE}: {reason}"


async def test_a_text_with_a_lone_surrogate_is_kept_with_a_replacement_character(
    hook: Hook, seeded: dict[str, int]
) -> None:
    """The JSON escape ``\\ud83d`` alone is valid JSON but no database stores it as text."""
    payload = load_fixture("status_read")
    inbound = load_fixture("inbound_text")["entry"][0]["changes"][0]["value"]["messages"][0]
    inbound = copy.deepcopy(inbound) | {"text": {"body": "Quero \ud83d saber"}}
    payload["entry"][0]["changes"][0]["value"]["messages"] = [inbound]
    raw = json.dumps(payload).encode()  # ensure_ascii: the surrogate travels as an escape
    assert b"\\ud83d" in raw
    assert (await hook.post(None, raw=raw)).status_code == 200
    _assert_read_landed(hook, seeded)
    with hook.database.session() as session:
        reply = session.scalars(select(Reply)).one()
        assert reply.text == "Quero \ufffd saber"
    assert _only_event(hook.database).error is None


async def test_a_surrogate_in_a_bad_value_is_quoted_safely_in_the_error(
    hook: Hook, seeded: dict[str, int]
) -> None:
    raw = json.dumps(_read_plus(_bad(timestamp="\ud800\x00"))).encode()
    assert (await hook.post(None, raw=raw)).status_code == 200
    _assert_read_landed(hook, seeded)
    assert _only_event(hook.database).error == (
        f"skipped: {WHERE}: timestamp '\\ud800\\x00' is not a number"
    )


async def test_wrong_shapes_around_the_items_are_named_and_the_rest_applied(
    hook: Hook, seeded: dict[str, int]
) -> None:
    payload = load_fixture("status_read")
    entry = payload["entry"][0]
    good_change = entry["changes"][0]
    entry["changes"] = [
        {"field": "messages", "value": ["not", "an", "object"]},
        good_change,
        {"field": "messages", "value": {"statuses": {"id": W2}, "messages": "x"}},
        7,
    ]
    payload["entry"] = [{"id": "1", "changes": "none"}, entry, 5]
    assert (await hook.post(payload)).status_code == 200
    _assert_read_landed(hook, seeded)
    assert _only_event(hook.database).error == "skipped: " + "; ".join(
        [
            "entry 0: changes is a string, not a list",
            "entry 1, change 0: value is a list, not an object",
            "entry 1, change 2: statuses is an object, not a list",
            "entry 1, change 2: messages is a string, not a list",
            "entry 1, change 3: is a number, not an object",
            "entry 2: is a number, not an object",
        ]
    )


async def test_entry_that_is_not_a_list_is_noted(hook: Hook) -> None:
    body = {"object": "whatsapp_business_account", "entry": 5}
    assert (await hook.post(body)).status_code == 200
    event = _only_event(hook.database)
    assert event.processed_at is not None
    assert event.error == "skipped: entry is a number, not a list"


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_an_item_the_database_refuses_is_skipped_alone(
    hook: Hook, seeded: dict[str, int]
) -> None:
    """A refusal nobody foresaw (here a PostgreSQL trigger: SQLite's RAISE is a constraint
    error, which is retried) costs only its item: the body is applied again item by item,
    each in a savepoint, and the good status lands."""
    with hook.database.session() as session:
        session.execute(
            text(
                "CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN "
                "IF NEW.text = 'refuse me' THEN RAISE EXCEPTION 'refused'; END IF; "
                "RETURN NEW; END $$ LANGUAGE plpgsql"
            )
        )
        session.execute(
            text(
                "CREATE TRIGGER refuse BEFORE INSERT ON replies "
                "FOR EACH ROW EXECUTE FUNCTION refuse()"
            )
        )
    payload = load_fixture("status_read")
    inbound = load_fixture("inbound_text")["entry"][0]["changes"][0]["value"]["messages"][0]
    payload["entry"][0]["changes"][0]["value"]["messages"] = [
        inbound | {"text": {"body": "refuse me"}},
        inbound | {"id": "wamid.other", "text": {"body": "fine"}},
    ]
    assert (await hook.post(payload)).status_code == 200
    _assert_read_landed(hook, seeded)
    with hook.database.session() as session:
        assert list(session.scalars(select(Reply.text))) == ["fine"]
    assert _only_event(hook.database).error == (
        "skipped: entry 0, change 0, messages[0]: not applied (ProgrammingError)"
    )


def test_the_item_by_item_pass_applies_a_whole_body_on_both_databases(
    database: Database, clock: FixedClock, seeded: dict[str, int]
) -> None:
    """The fallback pass uses savepoints, which SQLite's driver must take inside the claim's
    transaction as PostgreSQL does."""
    payload = load_fixture("status_read")
    inbound = load_fixture("inbound_text")["entry"][0]["changes"][0]["value"]["messages"][0]
    payload["entry"][0]["changes"][0]["value"]["messages"] = [inbound]
    payload["entry"][0]["changes"].append(
        load_fixture("user_preferences_stop")["entry"][0]["changes"][0]
    )
    with database.session() as session:
        event_id = webhook_events.store_raw(
            session, body=json.dumps(payload), kind="messages", received_at=clock.now()
        )
    assert process_events(database, [event_id], clock, one_by_one=True) == 1
    status, read_at = _send_status(database, seeded["send"])
    assert status == "read" and read_at is not None
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Reply)) == 1
        assert session.scalar(select(func.count()).select_from(OptOut)) == 1
        event = session.get(WebhookEvent, event_id)
        assert event is not None and event.error is None and event.processed_at is not None


async def test_a_bare_number_too_long_for_python_costs_only_its_item(
    hook: Hook, seeded: dict[str, int]
) -> None:
    """4,301 digits as a JSON number (not a string): Python's int refuses it; the body is
    still stored and answered 200, the item is skipped and the good read applied."""
    raw = json.dumps(_read_plus(_bad(timestamp=0))).replace(
        '"timestamp": 0', '"timestamp": ' + "9" * 4301
    )
    assert "9" * 4301 in raw
    response = await hook.post(None, raw=raw.encode())
    assert response.status_code == 200, response.text
    _assert_read_landed(hook, seeded)
    error = _only_event(hook.database).error
    assert error is not None and error.startswith(f"skipped: {WHERE}: timestamp '9999")
    assert "(4,301 characters) is out of range" in error
