"""An audience's selection marks on a real database (SQLite and PostgreSQL): a drip resumes
where its last pick began, and every change that could bring back a contact behind the mark
forgets it (migration 0017's triggers, and the reply window's `valid_until`)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select, update

from tests.engine.helpers import START, add_contacts, phone
from wabroadcast.domain.audience import Audience, build_audience
from wabroadcast.storage import sends as send_store
from wabroadcast.storage import tags as tag_store
from wabroadcast.storage.db import Database
from wabroadcast.storage.tables import AudienceMark, Contact, Reply, SelectionMark


def tag(database: Database, contact_ids: list[int], *names: str) -> None:
    with database.session() as session:
        tag_store.add_tags(session, list(names), [Contact.id.in_(contact_ids)], START)


def drip(database: Database, audience: Audience, limit: int, now: datetime = START) -> list[int]:
    """One day of a drip: pick under the claim lock and claim, like the engine."""
    with database.session() as session:
        send_store.lock_marks(session)
        rows = send_store.select_eligible(
            session, "daily_offer", limit, remember=True, audience=audience, now=now
        )
        send_store.claim_contacts(
            session,
            template_name="daily_offer",
            language="tr",
            campaign_id=None,
            contacts=rows,
            now=now,
        )
        return [contact_id for contact_id, _ in rows]


def marks(database: Database) -> int:
    with database.session() as session:
        return session.scalar(select(func.count()).select_from(AudienceMark)) or 0


def test_a_drip_resumes_from_its_mark_and_a_new_tag_behind_it_is_found(
    database: Database,
) -> None:
    ids = add_contacts(database, 10)
    tag(database, ids[2:], "vip")
    vip = build_audience(tags=["VIP"])
    assert drip(database, vip, 2) == ids[2:4]
    assert marks(database) == 1
    with database.session() as session:  # the template's own mark is not moved by an audience
        assert session.scalar(select(func.count()).select_from(SelectionMark)) == 0
    assert drip(database, build_audience(tags=["vip"]), 2) == ids[4:6]  # same audience, any case
    tag(database, [ids[0]], "vip")  # behind the mark: the trigger forgets it
    assert marks(database) == 0
    assert drip(database, vip, 2) == [ids[0], ids[6]]


def test_changed_attributes_and_a_removed_tag_forget_the_marks(database: Database) -> None:
    ids = add_contacts(database, 6)
    tag(database, ids, "vip")
    tag(database, ids[:1], "test")
    with database.session() as session:
        session.execute(update(Contact).values(attributes={"city": "Ankara"}))
        session.execute(
            update(Contact).where(Contact.id.in_(ids[2:])).values(attributes={"city": "İzmir"})
        )
    izmir = build_audience(tags=["vip"], where=["city = İzmir"], exclude_tags=["test"])
    assert drip(database, izmir, 1) == [ids[2]]
    with database.session() as session:
        session.execute(
            update(Contact).where(Contact.id == ids[1]).values(attributes={"city": "İzmir"})
        )
    assert marks(database) == 0
    assert drip(database, izmir, 1) == [ids[1]]
    assert marks(database) == 1
    with database.session() as session:
        tag_store.remove_tags(session, ["test"], [Contact.id == ids[0]])
    assert marks(database) == 0
    assert drip(database, izmir, 5) == ids[3:]  # ids[0] is no longer excluded, but in Ankara
    assert drip(database, build_audience(where=["city = İzmir"]), 5) == []  # never twice


def test_a_reply_leaving_the_window_brings_its_contact_back(database: Database) -> None:
    ids = add_contacts(database, 4)
    with database.session() as session:
        replied = START - timedelta(days=6)
        session.add(
            Reply(
                message_id="wamid.reply",
                contact_id=ids[0],
                phone=phone(1).lstrip("+"),
                type="text",
                occurred_at=replied,
                received_at=replied,
            )
        )
    quiet = build_audience(exclude_replied_days=7)
    assert drip(database, quiet, 1) == [ids[1]]
    with database.session() as session:
        valid_until = session.scalar(select(AudienceMark.valid_until))
    assert valid_until == START + timedelta(days=1)
    assert drip(database, quiet, 1, now=START + timedelta(hours=12)) == [ids[2]]
    assert drip(database, quiet, 1, now=START + timedelta(days=2)) == [ids[0]]


def test_contacts_without_an_index_are_still_picked_after_a_mark(database: Database) -> None:
    ids = add_contacts(database, 5)
    with database.session() as session:
        session.execute(update(Contact).where(Contact.id.in_(ids[3:])).values(index=None))
    tag(database, ids, "vip")
    vip = build_audience(tags=["vip"])
    first = drip(database, vip, 2)
    rest = drip(database, vip, 10)
    assert len(first) == 2 and sorted(first + rest) == sorted(ids)  # each once, none left out
    assert drip(database, vip, 10) == []
