"""Data that fills every section of every panel page, with the longest texts users meet.

Used by the layout tests (tests/web/browser/test_layout.py) and by `tools/screenshots.py`:
a page can only be checked for overflow with its widest content on it (long failure reasons,
opt-out reasons, webhook summaries, schedule notes, several action buttons per row).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from tests.web.views.helpers import add_campaign, add_templates
from wabroadcast.schedules import store
from wabroadcast.storage.db import Database
from wabroadcast.storage.tables import Contact, Send, WebhookEvent

FAILURES = {
    "131026 Message undeliverable: the number is not on WhatsApp or its app is too old": 7,
    "131049 This message was not delivered to maintain healthy ecosystem engagement": 4,
    "131047 Re-engagement message: more than 24 hours since the customer last replied": 2,
}
LONG_NAME = "Şükrü Çağlar Öztürkoğlu-Yılmazgiller İnşaat Ticaret Limited Şirketi"


def seed_panel(database: Database) -> dict[str, int]:
    """Templates, contacts (demo ones too), campaigns, sends, schedules, webhook events."""
    add_templates(database)
    now = datetime.now(UTC).replace(microsecond=0)
    with database.session() as session:
        contacts = []
        for number in range(40):
            demo = number >= 30
            contact = Contact(
                phone=f"+9055512{number:05d}" if not demo else f"+612555{number:05d}",
                name=(LONG_NAME if number == 0 else f"Müşteri {number}")
                + (" (demo)" if demo else ""),
                index=number + 1,
                attributes={"demo": True} if demo else {"city": "İzmir"},
                created_at=now - timedelta(days=40 - number),
                updated_at=now,
            )
            if number % 9 == 3:
                contact.opted_out_at = now - timedelta(hours=number)
                contact.opt_out_reason = "STOP reply: İstemiyorum, lütfen bir daha yazmayın"
            if number % 11 == 5:
                contact.unreachable_at = now - timedelta(hours=number)
                contact.unreachable_reason = next(iter(FAILURES))
            session.add(contact)
            contacts.append(contact)
        session.flush()
        contact_ids = [c.id for c in contacts]
    done = add_campaign(
        database,
        state="completed",
        requested_limit=30,  # a campaign's numbers as the engine leaves them: all 30 sent
        eligible_count=480,
        selected_count=30,
        accepted_count=17,
        failed_count=13,
        failures=FAILURES,
        created_at=now - timedelta(hours=3, minutes=1),
        started_at=now - timedelta(hours=3),
        finished_at=now - timedelta(hours=3) + timedelta(seconds=42),
    )
    paused = add_campaign(
        database,
        state="paused",
        template_name="hello_world",
        language="en_US",
        error="paused after 5 sends in a row failed (last: 131026 undeliverable: not on "
        "WhatsApp or cannot receive)",
    )
    with database.session() as session:
        for position, contact_id in enumerate(contact_ids[:17]):
            sent = now - timedelta(days=position % 6, hours=2)
            session.add(
                Send(
                    template_name="daily_offer",
                    contact_id=contact_id,
                    campaign_id=done,
                    language="tr",
                    phone=f"+9055512{position:05d}",
                    state="accepted",
                    message_id=f"wamid.seed{position}",
                    status="read" if position % 2 else "delivered",
                    claimed_at=sent,
                    accepted_at=sent,
                    delivered_at=sent,
                    read_at=sent if position % 2 else None,
                    updated_at=sent,
                )
            )
        for position in range(6):
            body = {
                "object": "whatsapp_business_account",
                "entry": [
                    {
                        "changes": [
                            {
                                "field": "messages",
                                "value": {
                                    "statuses": [
                                        {
                                            "id": f"wamid.seed{position}",
                                            "status": "delivered",
                                            "recipient_id": f"9055512{position:05d}",
                                        }
                                    ]
                                },
                            }
                        ]
                    }
                ],
            }
            session.add(
                WebhookEvent(
                    received_at=now - timedelta(minutes=position),
                    body=json.dumps(body),
                    kind="statuses",
                    processed_at=now if position != 2 else None,
                    error="Unknown message id wamid.seed-x: no send has it"
                    if position == 4
                    else None,
                )
            )
        first = store.create_schedule(
            session,
            store.ScheduleInput(
                "daily_offer", "tr", 225, "10:00", "Europe/Istanbul", "09:00", "20:00"
            ),
            now=now,
        )
        day = f"{now:%Y-%m-%d}"
        for note in (  # what the scheduler writes (schedules/planner.py, runner.py)
            f"{day} skipped: nothing was running at 10:00 Europe/Istanbul; not made up, so no "
            "day sends more than 225",
            f"{day} the sending window closed before the day's contacts were all sent",
            f"{day} campaign completed: 225 accepted, 0 failed",
        ):
            store.add_note(first, note, now)
        store.create_schedule(
            session,
            store.ScheduleInput("hello_world", "en_US", 1000, "18:30", "America/Sao_Paulo"),
            now=now,
        )
    return {"campaign": done, "paused": paused}
