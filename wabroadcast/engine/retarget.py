"""Retarget: a follow-up campaign of another template for who did not read or reply in time.

Shaped like "retry failed" (engine/followup.py): the source campaign is checked, the new
campaign's limit defaults to how many contacts its selection takes now, and the campaign
manager (CampaignManager.retarget_in) creates it after the checks every campaign gets. Every
refusal below comes before anything is written, and names the field that was wrong.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from wabroadcast.domain.models import CampaignState
from wabroadcast.domain.retarget import Retarget, RetargetError, RetargetWhen, parse_after_days
from wabroadcast.engine.refusals import Refused
from wabroadcast.storage import sends as send_store
from wabroadcast.storage.tables import Campaign


class RetargetRefused(Refused):
    """No retarget was created; `status` is the API's answer (404, 409 or 422)."""


@dataclass(frozen=True, slots=True)
class RetargetAsk:
    """What a user asks for: a template for the contacts `when` after `after_days` days."""

    template_name: str
    when: str
    after_days: int
    language: str | None = None
    """None: the source campaign's language."""
    limit: int | None = None
    """None: every contact eligible now."""


def plan(
    session: Session, campaign_id: int, ask: RetargetAsk, now: datetime, *, marketing_to_us: bool
) -> tuple[Campaign, Retarget, int]:
    """The source campaign, the retarget and how many contacts it takes now; raises
    :class:`RetargetRefused` saying why there is none."""
    try:
        when = RetargetWhen.parse(ask.when)
        after_days = parse_after_days(ask.after_days)
    except RetargetError as exc:
        raise RetargetRefused(
            str(exc), field=exc.field, code="invalid_retarget", status=422
        ) from None
    source = session.get(Campaign, campaign_id)
    if source is None:
        raise RetargetRefused(
            f"campaign {campaign_id} does not exist",
            field="campaign_id",
            code="not_found",
            status=404,
        )
    if ask.template_name == source.template_name:
        raise RetargetRefused(
            f"template '{ask.template_name}' is the one campaign {campaign_id} sent; a retarget "
            "sends another template (never-twice keeps the same one from everybody it reached)",
            field="template",
            code="same_template",
            status=422,
        )
    if source.state == CampaignState.RUNNING:
        raise RetargetRefused(
            f"campaign {campaign_id} is still running; retarget it once it has ended or paused",
            field="campaign_id",
            code="campaign_running",
            status=409,
        )
    retarget = Retarget(of_campaign_id=campaign_id, when=when, after_days=after_days)
    total = send_store.count_eligible(
        session, ask.template_name, retarget=retarget, now=now, marketing_to_us=marketing_to_us
    )
    if total == 0:
        raise _nobody(session, ask.template_name, retarget, now, marketing_to_us)
    return source, retarget, total


def _nobody(
    session: Session, template: str, retarget: Retarget, now: datetime, marketing_to_us: bool
) -> RetargetRefused:
    later = send_store.retarget_not_yet(
        session, template, retarget, now, marketing_to_us=marketing_to_us
    )
    what = "did not read" if retarget.when is RetargetWhen.NOT_READ else "did not reply to"
    message = (
        f"nobody is eligible yet: no contact of campaign {retarget.of_campaign_id} {what} its "
        f"send for {retarget.after_days} days and can still get template '{template}'"
    )
    if later.count and later.first_at is not None:
        first = later.first_at.strftime("%Y-%m-%d %H:%M UTC")
        message += f"; {later.count} will become eligible, the first from {first}"
    return RetargetRefused(message, field="after_days", code="nothing_to_retarget", status=409)
