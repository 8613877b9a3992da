"""The API's view of a campaign: its row, its funnel (storage/stats.py) and what runs now."""

from __future__ import annotations

from wabroadcast.engine.activity import Activity
from wabroadcast.storage.deferred import DeferralCounts
from wabroadcast.storage.retargets import retarget_of
from wabroadcast.storage.stats import Funnel
from wabroadcast.storage.tables import Campaign
from wabroadcast.web.api.audience_schemas import AudienceIn
from wabroadcast.web.api.schemas import CampaignAbTestPublic, CampaignPublic, RetargetPublic


def campaign_public(
    campaign: Campaign,
    funnel: Funnel,
    running: bool,
    now: Activity,
    skipped_us: int | None = None,
    deferrals: DeferralCounts | None = None,
    endpoints: dict[str, int] | None = None,
) -> CampaignPublic:
    deferrals = deferrals or DeferralCounts()
    failures = {str(k): int(v) for k, v in (campaign.failures or {}).items()}
    for reason, count in funnel.failures_later:
        failures[reason] = failures.get(reason, 0) + count
    return CampaignPublic(
        id=campaign.id,
        template_name=campaign.template_name,
        language=campaign.language,
        state=now.state,
        waiting_for=now.waiting_for,
        requested_limit=campaign.requested_limit,
        eligible=campaign.eligible_count,
        selected=campaign.selected_count,
        accepted=campaign.accepted_count,
        failed=campaign.failed_count + funnel.failed_later,
        failed_at_send=campaign.failed_count,
        failures=failures,
        unknown=campaign.unknown_count,
        deferred=deferrals.deferred,
        retried=deferrals.retried,
        held_back=campaign.held_back_count,
        skipped_us=skipped_us,
        endpoints=endpoints,
        delivered=funnel.delivered,
        read=funnel.read,
        replied=funnel.replied,
        held=funnel.held,
        held_total=funnel.held_total,
        held_released=funnel.held_released,
        held_dropped=funnel.held_dropped,
        error=campaign.error,
        note=campaign.note,
        running_here=running,
        retry_of_campaign_id=campaign.retry_of_campaign_id,
        parameters=dict(campaign.parameters or {}),
        retarget=_retarget(campaign),
        ab_test=(
            CampaignAbTestPublic(id=campaign.ab_test_id, variant=campaign.ab_variant)
            if campaign.ab_test_id is not None and campaign.ab_variant is not None
            else None
        ),
        audience=AudienceIn.stored(campaign.audience),
        created_at=campaign.created_at,
        started_at=campaign.started_at,
        finished_at=campaign.finished_at,
        updated_at=campaign.updated_at,
    )


def _retarget(campaign: Campaign) -> RetargetPublic | None:
    retarget = retarget_of(campaign)
    if retarget is None:
        return None
    return RetargetPublic(
        of_campaign_id=retarget.of_campaign_id,
        when=retarget.when.value,
        after_days=retarget.after_days,
    )
