"""The original tool's endpoints: same paths, same request and response fields.

Its users have scripts calling ``POST /api/send`` and reading ``successful_sends``; those keep
working, now behind the API token and on top of the never-twice engine. New fields are only
ever added (``campaign_id``, ``state`` …), never renamed.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from anyio import to_thread
from fastapi import APIRouter, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from wabroadcast.contact_phones import InvalidPhone, normalize_phone, wa_digits
from wabroadcast.domain.models import CampaignState, SendState
from wabroadcast.engine.manager import CampaignManager, CampaignRequest
from wabroadcast.storage.db import Database
from wabroadcast.storage.tables import Campaign, Contact, Send
from wabroadcast.web.api.deps import (
    SessionDep,
    SettingsDep,
    create_campaign_or_refuse,
    require_sender,
)
from wabroadcast.web.api.schemas import (
    MAX_PHONES_PER_CALL,
    CheckDuplicatesRequest,
    CheckDuplicatesResponse,
    DuplicateCheck,
    History,
    SendRequest,
    SendResponse,
    SendResultItem,
)
from wabroadcast.web.errors import ApiError

logger = logging.getLogger(__name__)
router = APIRouter(prefix="/api", tags=["original endpoints"])
LOOKUP_CHUNK = 500


@router.post("/send", response_model=SendResponse)
async def send(body: SendRequest, request: Request) -> SendResponse:
    """Send `template_name` to the next `limit` eligible contacts and wait until done.

    Runs as a campaign (GET /api/campaigns/{campaign_id} shows it); the run goes on if the
    client disconnects. For long runs prefer POST /api/campaigns, which answers at once.
    """
    app = request.app
    database: Database = app.state.database
    campaigns: CampaignManager = app.state.campaigns
    require_sender(request)

    campaign_id = await create_campaign_or_refuse(
        campaigns,
        CampaignRequest(
            template_name=body.template_name, language=body.language_code, limit=body.limit
        ),
    )
    problem = None
    try:
        await campaigns.run_and_wait(campaign_id)
    except Exception as exc:  # the engine crashed: say so; everything sent is still recorded
        logger.error("campaign %s run failed", campaign_id, exc_info=exc)
        problem = (
            f"sending stopped unexpectedly ({type(exc).__name__}); the server log has the "
            f"details; resume with POST /api/campaigns/{campaign_id}/resume"
        )
    answer = await to_thread.run_sync(send_response, database, campaign_id)
    if problem is not None:
        answer = answer.model_copy(update={"success": False, "error": problem})
    return answer


def send_response(database: Database, campaign_id: int) -> SendResponse:
    """The original answer, read back from the campaign and its sends."""
    with database.session() as session:
        campaign = session.get(Campaign, campaign_id, populate_existing=True)
        assert campaign is not None
        sends = session.scalars(
            select(Send).where(Send.campaign_id == campaign_id).order_by(Send.id)
        ).all()
    results = [_result(send) for send in sends if send.state != SendState.CLAIMED.value]
    return _response(campaign, results)


def write_send_response(database: Database, campaign_id: int, write: Callable[[str], Any]) -> None:
    """The same answer as ``send_response`` as indented JSON text, results streamed 1,000 rows
    at a time: a campaign of 100,000 sends never holds every result in memory."""
    with database.session() as session:
        campaign = session.get(Campaign, campaign_id, populate_existing=True)
        assert campaign is not None
        head = _response(campaign, []).model_dump(mode="json")
        write("{\n")
        for n, (key, value) in enumerate(head.items()):
            comma = "," if n < len(head) - 1 else ""
            if key != "results":
                write(f"  {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}{comma}\n")
                continue
            write('  "results": [')
            rows = session.scalars(
                select(Send)
                .where(Send.campaign_id == campaign_id, Send.state != SendState.CLAIMED.value)
                .order_by(Send.id)
                .execution_options(yield_per=1000)
            )
            for i, send in enumerate(rows):
                item = json.dumps(_result(send).model_dump(), ensure_ascii=False)
                write(("," if i else "") + "\n    " + item)
                session.expunge(send)
            write(f"\n  ]{comma}\n")
        write("}\n")


def _response(campaign: Campaign, results: list[SendResultItem]) -> SendResponse:
    return SendResponse(
        success=campaign.state not in (CampaignState.ABORTED.value,) and campaign.error is None,
        template=campaign.template_name,
        total_selected=campaign.selected_count,
        total_eligible=campaign.eligible_count,
        successful_sends=campaign.accepted_count,
        failed_sends=campaign.failed_count,
        results=results,
        campaign_id=campaign.id,
        state=campaign.state,
        unknown_sends=campaign.unknown_count,
        held_back=campaign.held_back_count,
        error=campaign.error,
    )


def _result(send: Send) -> SendResultItem:
    phone = wa_digits(send.phone) if send.phone else ""  # a BSUID-only contact has none
    if send.state == SendState.ACCEPTED.value:
        return SendResultItem(phone=phone, status="success", message_id=send.message_id)
    if send.state == SendState.UNKNOWN.value:
        error = "outcome unknown (timeout or dropped connection); it will not be re-sent"
        return SendResultItem(phone=phone, status="unknown", error=error)
    error = send.error_title or "failed"
    if send.error_code is not None:
        error = f"({send.error_code}) {error}"
    if send.state == SendState.DEFERRED.value:
        error += "; deferred: sent again automatically after RETRY_131049_AFTER_HOURS"
    return SendResultItem(phone=phone, status="failed", error=error)


@router.get("/history", response_model=History)
def history(session: SessionDep) -> History:
    """Accepted sends by template name, as the original `message_history.json`."""
    rows = session.execute(
        select(Send.template_name, Send.phone)
        .where(Send.state == SendState.ACCEPTED.value)
        .order_by(Send.template_name, Send.id)
    )
    grouped: dict[str, list[str]] = {}
    for template_name, phone in rows:
        if phone:  # the original format lists numbers; BSUID-only sends have none
            grouped.setdefault(template_name, []).append(wa_digits(phone))
    return History(grouped)


@router.post("/check-duplicates", response_model=CheckDuplicatesResponse)
def check_duplicates(
    body: CheckDuplicatesRequest, session: SessionDep, settings: SettingsDep
) -> CheckDuplicatesResponse:
    """For each number: has it already got this template, when, and with which status?

    An invalid number is reported on its own line; the others are still checked.
    """
    if len(body.phone_numbers) > MAX_PHONES_PER_CALL:
        raise ApiError(
            413,
            "too_large",
            f"{len(body.phone_numbers):,} phone numbers in one call; at most "
            f"{MAX_PHONES_PER_CALL:,} (split the list)",
            field="phone_numbers",
        )
    normalized: list[tuple[str, str | None, str | None]] = []
    for raw in body.phone_numbers:
        try:
            normalized.append((str(raw), normalize_phone(raw, settings.default_region), None))
        except InvalidPhone as exc:
            normalized.append((str(raw), None, str(exc)))
    found = _sends_by_phone(session, body.template_name, {n for _, n, _ in normalized if n})
    results = [_check(raw, e164, error, found) for raw, e164, error in normalized]
    duplicates = [r.phone for r in results if r.duplicate]
    return CheckDuplicatesResponse(
        template=body.template_name,
        total=len(results),
        duplicates=len(duplicates),
        invalid=sum(1 for r in results if not r.valid),
        duplicate_numbers=duplicates,
        new_numbers=[r.phone for r in results if r.valid and not r.duplicate],
        results=results,
    )


def _sends_by_phone(session: Session, template_name: str, phones: set[str]) -> dict[str, Send]:
    found: dict[str, Send] = {}
    ordered = sorted(phones)
    for start in range(0, len(ordered), LOOKUP_CHUNK):
        chunk = ordered[start : start + LOOKUP_CHUNK]
        rows = session.execute(
            select(Contact.phone, Send)
            .join(Send, Send.contact_id == Contact.id)
            .where(Send.template_name == template_name, Contact.phone.in_(chunk))
        )
        for phone, send in rows:
            if phone is not None:
                found[phone] = send
    return found


def _check(raw: str, e164: str | None, error: str | None, found: dict[str, Any]) -> DuplicateCheck:
    if e164 is None:
        return DuplicateCheck(
            phone=raw, valid=False, already_sent=False, duplicate=False, error=error
        )
    send: Send | None = found.get(e164)
    if send is None:
        return DuplicateCheck(
            phone=raw, normalized=e164, valid=True, already_sent=False, duplicate=False
        )
    return DuplicateCheck(
        phone=raw,
        normalized=e164,
        valid=True,
        already_sent=send.state == SendState.ACCEPTED.value,
        duplicate=True,
        state=send.state,
        status=send.status,
        sent_at=send.accepted_at or send.claimed_at,
        campaign_id=send.campaign_id,
    )
