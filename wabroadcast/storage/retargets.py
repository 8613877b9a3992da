"""Retarget selection: the contacts of a campaign whose send was not read or not replied to.

A retarget campaign (domain/retarget.py, ``campaigns.retarget_*``) narrows the ordinary
selection of its template (storage/sends.py: never-twice, opt-outs, unreachable, US skip) by
:func:`condition`, so the claim is still one query walking the contact list. The source
campaign's sends are found through ix_sends_campaign_id_state; a reply is looked up per send
through ix_replies_send_id (migration 0022).

Only sends Meta accepted count (state ``accepted``), and not those a status webhook reported
failed: a person who never got the first message is not someone who ignored it. Sends in
state ``unknown`` may never have arrived, and deferred (131049) ones did not.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from wabroadcast.domain.models import DeliveryStatus, SendState
from wabroadcast.domain.retarget import Retarget, RetargetWhen
from wabroadcast.storage.tables import Campaign, Contact, Reply, Send


def retarget_of(campaign: Campaign) -> Retarget | None:
    """The retarget stored on a campaign row, or None for any other campaign."""
    if (
        campaign.retarget_of_campaign_id is None
        or campaign.retarget_when is None
        or campaign.retarget_after_days is None
    ):
        return None
    return Retarget(
        of_campaign_id=campaign.retarget_of_campaign_id,
        when=RetargetWhen(campaign.retarget_when),
        after_days=campaign.retarget_after_days,
    )


def store(campaign: Campaign, retarget: Retarget) -> None:
    """Write the retarget on a new campaign row (before its flush)."""
    campaign.retarget_of_campaign_id = retarget.of_campaign_id
    campaign.retarget_when = retarget.when.value
    campaign.retarget_after_days = retarget.after_days


def _missed_sends(
    campaign_id: int, when: RetargetWhen, sends: type[Send] = Send
) -> ColumnElement[bool]:
    """Condition on `sends` (Send or an alias): a send of the campaign that reached Meta and
    got no reaction."""
    reached = (
        sends.campaign_id == campaign_id,
        sends.state == SendState.ACCEPTED.value,
        or_(sends.status.is_(None), sends.status != DeliveryStatus.FAILED.value),
    )
    # One branch per condition: a new RetargetWhen member adds one here.
    if when is RetargetWhen.NOT_READ:
        reaction: ColumnElement[bool] = sends.read_at.is_(None)
    elif when is RetargetWhen.NOT_REPLIED:
        reaction = ~exists().where(Reply.send_id == sends.id)
    else:  # pragma: no cover - every member has its branch
        raise ValueError(f"no selection for retarget condition {when}")
    return and_(*reached, reaction)


def condition(retarget: Retarget, now: datetime | None) -> ColumnElement[bool]:
    """Condition on Contact: their send in the retarget's campaign was accepted at least
    `after_days` days before `now` and has had no read (``not-read``) / no reply
    (``not-replied``). `now` is required (the age depends on it)."""
    if now is None:
        raise ValueError("a retarget's selection depends on the time: pass now")
    cutoff = now - timedelta(days=retarget.after_days)
    sends = select(Send.contact_id).where(
        _missed_sends(retarget.of_campaign_id, retarget.when), Send.accepted_at <= cutoff
    )
    return Contact.id.in_(sends)


@dataclass(frozen=True, slots=True)
class NotYet:
    """Contacts who would be taken but whose send is younger than the wait."""

    count: int
    first_at: datetime | None
    """When the first of them has waited long enough (its send's accepted_at + after_days)."""


def not_yet(
    session: Session, retarget: Retarget, now: datetime, *eligible: ColumnElement[bool]
) -> NotYet:
    """Of the contacts matching `eligible` (the template's selection without the retarget),
    those missed so far whose send is too young; for "nobody eligible yet, N from <date>"."""
    cutoff = now - timedelta(days=retarget.after_days)
    source = aliased(Send)  # `eligible` probes Send for the new template on its own
    young = (
        select(func.count(), func.min(source.accepted_at))
        .select_from(source)
        .join(Contact, Contact.id == source.contact_id)
        .where(
            _missed_sends(retarget.of_campaign_id, retarget.when, source),
            source.accepted_at > cutoff,
            *eligible,
        )
    )
    count, first = session.execute(young).one()
    if not count or first is None:
        return NotYet(0, None)
    return NotYet(int(count), first + timedelta(days=retarget.after_days))
