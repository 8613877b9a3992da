"""Selection, claims, marks and releases on a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from tests.engine.helpers import START, add_contacts, phone
from wabroadcast.domain.models import SendState
from wabroadcast.storage import sends as send_store
from wabroadcast.storage.db import Database
from wabroadcast.storage.tables import Contact, SelectionMark, Send


def claim(database: Database, contact_ids: list[int], template: str = "daily_offer") -> list[int]:
    with database.session() as session:
        claims = send_store.claim_contacts(
            session,
            template_name=template,
            language="tr",
            campaign_id=None,
            contacts=[(i, phone(i)) for i in contact_ids],
            now=START,
        )
        return [c.contact_id for c in claims]


def pick(database: Database, limit: int, template: str = "daily_offer") -> list[int]:
    with database.session() as session:
        send_store.lock_marks(session)
        rows = send_store.select_eligible(session, template, limit, remember=True)
        return [contact_id for contact_id, _ in rows]


def test_a_second_claim_of_the_same_pairs_loses_them_silently(database: Database) -> None:
    ids = add_contacts(database, 4)
    assert claim(database, ids[:3]) == ids[:3]
    assert claim(database, ids) == [ids[3]]
    assert claim(database, ids, template="other") == ids  # another template is free
    with database.session() as session:
        assert session.scalar(select(Send.id).where(Send.contact_id == ids[0]).limit(1))


def test_selection_skips_sent_opted_out_and_unreachable_in_index_order(database: Database) -> None:
    later = add_contacts(database, 2, first_index=10)
    opted = add_contacts(database, 1, first_index=1, opted_out_at=START)
    gone = add_contacts(database, 1, first_index=2, unreachable_at=START)
    early = add_contacts(database, 3, first_index=3)
    claim(database, [early[1]], template="daily_offer")
    assert pick(database, 10) == [early[0], early[2], *later]
    assert opted[0] not in pick(database, 10) and gone[0] not in pick(database, 10)
    with database.session() as session:
        assert send_store.count_eligible(session, "daily_offer") == 4
        assert send_store.count_eligible(session, "daily_offer", at_most=2) == 2


def test_the_mark_skips_covered_contacts_and_triggers_forget_it(database: Database) -> None:
    ids = add_contacts(database, 10, first_index=100)
    claim(database, ids[:6])
    assert pick(database, 2) == ids[6:8]
    with database.session() as session:
        mark = session.get_one(SelectionMark, "daily_offer")
        assert (mark.contact_index, mark.contact_id) == (106, ids[6])

    # a released send before the mark makes its contact eligible again
    with database.session() as session:
        session.execute(
            Send.__table__.delete().where(Send.contact_id == ids[1])  # type: ignore[attr-defined]
        )
    assert pick(database, 2) == [ids[1], ids[6]]

    # a contact added before the mark is found
    claim(database, [ids[1]])
    pick(database, 1)
    newcomer = add_contacts(database, 1, first_index=1)
    assert pick(database, 1) == newcomer

    # a contact opted back in, or reachable again, is found; opting out keeps the mark
    claim(database, newcomer)
    with database.session() as session:
        session.execute(update(Contact).where(Contact.id == ids[2]).values(opted_out_at=START))
        session.execute(update(Contact).where(Contact.id == ids[3]).values(unreachable_at=START))
        session.execute(
            Send.__table__.delete().where(  # type: ignore[attr-defined]
                Send.contact_id.in_([ids[2], ids[3]])
            )
        )
    assert pick(database, 1) == [ids[6]]
    with database.session() as session:
        session.execute(update(Contact).where(Contact.id == ids[7]).values(opted_out_at=START))
        assert session.get(SelectionMark, "daily_offer") is not None
        session.execute(update(Contact).where(Contact.id == ids[2]).values(opted_out_at=None))
        assert session.get(SelectionMark, "daily_offer") is None
    assert pick(database, 1) == [ids[2]]
    with database.session() as session:
        session.execute(update(Contact).where(Contact.id == ids[3]).values(unreachable_at=None))
    assert pick(database, 2) == [ids[2], ids[3]]


def test_recipients_in_the_daily_window_are_unique_and_exclude_failed(database: Database) -> None:
    ids = add_contacts(database, 4)
    claim(database, ids[:3], template="a")
    claim(database, ids[:2], template="b")
    with database.session() as session:
        session.execute(
            update(Send).where(Send.contact_id == ids[2]).values(state=SendState.FAILED.value)
        )
        assert send_store.recipients_since(session, START - timedelta(hours=24)) == 2
        assert send_store.recipients_since(session, START + timedelta(seconds=1)) == 0


def test_release_touches_only_claims_and_stale_claims_become_unknown(database: Database) -> None:
    ids = add_contacts(database, 3)
    claim(database, ids)
    with database.session() as session:
        send_ids = list(session.scalars(select(Send.id).order_by(Send.contact_id)))
        send_store.mark_accepted(
            session, [send_store.Accepted(send_ids[0], "wamid.1", "1", 1)], START
        )
        assert send_store.release_claims(session, send_ids[:2]) == 1
    with database.session() as session:
        assert send_store.expire_stale_claims(session, 0, START, START) == (0, 0)
        session.execute(update(Send).values(campaign_id=None))
    with database.session() as session:
        states = dict(session.execute(select(Send.contact_id, Send.state)).all())
    assert states == {ids[0]: "accepted", ids[2]: "claimed"}


def test_release_unknown_frees_only_old_unknown_sends(database: Database) -> None:
    ids = add_contacts(database, 3)
    claim(database, ids)
    with database.session() as session:
        send_ids = list(session.scalars(select(Send.id).order_by(Send.contact_id)))
        send_store.mark_unknown(session, send_ids[:2], START)
        session.execute(
            update(Send)
            .where(Send.id == send_ids[0])
            .values(claimed_at=START - timedelta(hours=30))
        )
    with database.session() as session:
        assert [s.id for s in send_store.list_unknown(session)] == send_ids[:2]
        released = send_store.release_unknown(session, before=START - timedelta(hours=24))
        assert released == 1
        assert send_store.count_unknown(session) == 1
