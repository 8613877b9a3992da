"""History import: the original tool's sent pairs keep the never-twice guarantee."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from tests.contacts.conftest import FIXTURES, StepClock
from wabroadcast.contacts.history import import_history
from wabroadcast.contacts.importing import import_contacts
from wabroadcast.contacts.report import Rejection
from wabroadcast.domain.models import SendState
from wabroadcast.storage.db import Database
from wabroadcast.storage.stats import overview
from wabroadcast.storage.tables import Contact, Send


def pairs(database: Database) -> set[tuple[str, str, str]]:
    with database.session() as session:
        rows = session.execute(select(Send.template_name, Send.phone, Send.state)).all()
    return {(t, p, s) for t, p, s in rows}


def test_history_becomes_accepted_sends_and_unknown_phones_become_contacts(
    database: Database,
) -> None:
    import_contacts(database, FIXTURES / "contacts_with_index.json", clock=StepClock())
    rejections: list[Rejection] = []

    summary = import_history(
        database, FIXTURES / "message_history.json", clock=StepClock(),
        on_rejection=rejections.append,
    )  # fmt: skip

    accepted = SendState.ACCEPTED.value
    assert pairs(database) == {
        ("daily_offer", "+905551234567", accepted),
        ("daily_offer", "+905321112233", accepted),
        ("daily_offer", "+905069998877", accepted),
        ("hello_world", "+905551234567", accepted),
    }
    with database.session() as session:
        new = session.scalars(select(Contact).where(Contact.phone == "+905069998877")).one()
        send = session.scalars(select(Send).where(Send.phone == "+905069998877")).one()
    assert new.index == 11 and new.name is None
    assert send.campaign_id is None and send.language is None
    assert send.claimed_at == send.accepted_at is not None
    assert [(r.line, r.element) for r in rejections] == [(2, 3), (4, None)]
    assert "12" in rejections[0].reason and "list" in rejections[1].reason
    assert (summary.imported, summary.contacts_created, summary.rejected) == (4, 1, 2)


def test_without_new_contacts_unknown_numbers_are_skipped_counted_and_reported(
    database: Database, tmp_path: Path
) -> None:
    import_contacts(database, FIXTURES / "contacts_with_index.json", clock=StepClock())
    path = tmp_path / "message_history.json"
    path.write_text(
        '{"daily_offer": ["905551234567",\n  "905069998877", "905069998877"],\n'
        ' "hello_world": ["905069998877", "+90 532 111 22 33", "905321112233"]}'
    )
    skipped: list[Rejection] = []
    with database.session() as session:
        contacts_before = session.scalar(select(func.count()).select_from(Contact))

    summary = import_history(database, path, clock=StepClock(), on_skip=skipped.append)

    assert pairs(database) == {
        ("daily_offer", "+905551234567", "accepted"),
        ("hello_world", "+905321112233", "accepted"),
    }
    assert [(r.line, r.element, r.value) for r in skipped] == [
        (2, 2, "+905069998877"),
        (2, 3, "+905069998877"),
        (3, 1, "+905069998877"),
    ]
    assert "not in the contact list" in skipped[0].reason
    assert (summary.imported, summary.skipped, summary.contacts_created) == (2, 3, 0)
    assert (summary.already_recorded, summary.rejected) == (1, 0)  # the repeated 532 number
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Contact)) == contacts_before


def test_history_import_is_idempotent_and_counts_as_sent(database: Database) -> None:
    first = import_history(database, FIXTURES / "message_history.json", clock=StepClock())
    again = import_history(database, FIXTURES / "message_history.json", clock=StepClock())

    assert first.imported == 4 and again.imported == 0
    assert again.already_recorded == 4 and again.contacts_created == 0
    assert len(pairs(database)) == 4
    with database.session() as session:
        numbers = overview(session)
    assert numbers["messages_sent"] == 4 and numbers["contacts"] == 3


def test_imported_pair_blocks_a_second_send(database: Database) -> None:
    import_history(database, FIXTURES / "message_history.json", clock=StepClock())
    with database.session() as session:
        existing = session.scalars(select(Send).where(Send.template_name == "hello_world")).one()
        duplicate = Send(
            template_name="hello_world", contact_id=existing.contact_id, phone=existing.phone,
            state=SendState.CLAIMED.value, attempts=0, claimed_at=existing.claimed_at,
            updated_at=existing.claimed_at,
        )  # fmt: skip
        session.add(duplicate)
        with pytest.raises(IntegrityError):
            session.flush()
        session.rollback()


def test_broken_history_keeps_what_came_before(database: Database, tmp_path: Path) -> None:
    path = tmp_path / "message_history.json"
    path.write_text('{\n  "daily_offer": ["905551234567",\n  "905321112233" "x"]\n}\n')
    rejections: list[Rejection] = []

    summary = import_history(database, path, clock=StepClock(), on_rejection=rejections.append)

    assert pairs(database) == {
        ("daily_offer", "+905551234567", "accepted"),
        ("daily_offer", "+905321112233", "accepted"),
    }
    assert [r.line for r in rejections] == [3]
    assert rejections[0].reason.startswith("broken JSON")
    assert summary.imported == 2


def test_nul_in_a_template_name_and_nan_phones_are_rejected(
    database: Database, tmp_path: Path
) -> None:
    """A NUL in the template name made PostgreSQL refuse the import."""
    path = tmp_path / "message_history.json"
    path.write_text('{"bad\\u0000name": ["905551000001"],\n "daily_offer": ["905551000002", NaN]}')
    rejections: list[Rejection] = []

    summary = import_history(database, path, clock=StepClock(), on_rejection=rejections.append)

    assert [(r.line, r.reason) for r in rejections] == [
        (1, "template name holds a control character: 'bad\\x00name'"),
        (2, "phone number must be text, got float"),
    ]
    assert pairs(database) == {("daily_offer", "+905551000002", "accepted")}
    assert (summary.imported, summary.rejected) == (1, 2)
