""" "Retry failed": a follow-up campaign for the sends that failed for a retryable reason.

What the engine keeps (engine/recorder.py): a send whose retries ran out on a retryable error
(throttling 4/80007/130429/131057, pair limit 131056, transient 1/2/131000/131016/5xx, or no
connection) is *released*: its row is deleted, so the contact is eligible again;
``campaigns.failures[reason] += 1`` counts it and, in the same transaction, a row in
``send_releases`` remembers the contact. Permanent per-recipient failures (131026, 131049,
131050 …) keep their row in state ``failed`` and are never retried; ``unknown`` sends may have
reached the person and are never retried either.

The follow-up is a campaign of the same template, language and parameters with
``retry_of_campaign_id`` set: its selection (storage/sends.select_eligible) takes only the
contacts that campaign released, and only while they are still eligible — a contact who got
the template since (from any campaign), opted out or became unreachable is left out. Its
limit is the number of such contacts when the follow-up is created.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.orm import Session

from wabroadcast.cloudapi.errors import Outcome, classify
from wabroadcast.domain.models import CampaignState
from wabroadcast.engine.outcomes import failure_reason
from wabroadcast.storage import sends as send_store
from wabroadcast.storage.releases import error_code
from wabroadcast.storage.tables import Campaign

RETRYABLE = frozenset({Outcome.THROTTLED, Outcome.PAIR_LIMITED, Outcome.TRANSIENT})
NO_ANSWER = failure_reason(None)
"""Reason key of a send released after errors without a code (bare 5xx, no connection)."""


class NothingToRetry(ValueError):
    """The campaign has no send that failed for a retryable reason, or is still running."""


def retryable_failures(failures: Mapping[str, int]) -> dict[str, int]:
    """The entries of ``campaigns.failures`` whose reason is worth another campaign."""
    out: dict[str, int] = {}
    for reason, count in failures.items():
        code = error_code(reason)
        if (code is None and reason == NO_ANSWER) or (
            code is not None and classify(code) in RETRYABLE
        ):
            out[reason] = int(count)
    return out


def retryable_count(session: Session, campaign: Campaign, *, marketing_to_us: bool = False) -> int:
    """Contacts released by the campaign that are still eligible for its template."""
    return send_store.count_eligible(
        session, campaign.template_name, retry_of=campaign.id, marketing_to_us=marketing_to_us
    )


def follow_up_of(
    session: Session, campaign_id: int, *, marketing_to_us: bool = False
) -> tuple[Campaign, int]:
    """The campaign to retry and how many contacts its follow-up will take; raises
    :class:`NothingToRetry` saying why there is none. The campaign manager creates the
    follow-up (CampaignManager.retry_failed) after the same checks as any campaign."""
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise NothingToRetry(f"campaign {campaign_id} does not exist")
    if campaign.state == CampaignState.RUNNING:
        raise NothingToRetry(f"campaign {campaign_id} is still running; retry once it has ended")
    total = retryable_count(session, campaign, marketing_to_us=marketing_to_us)
    if total == 0:
        listed = ", ".join(f"{r}: {n}" for r, n in (campaign.failures or {}).items()) or "none"
        if retryable_failures(campaign.failures or {}):
            raise NothingToRetry(
                f"campaign {campaign_id} has nothing left to retry: every contact it released "
                "got the template since, opted out or became unreachable"
            )
        raise NothingToRetry(
            f"campaign {campaign_id} has no send that failed for a retryable reason "
            f"(failures: {listed})"
        )
    return campaign, total
