"""A/B tests: create the variants' campaigns, decide the winner, send it to the rest, cancel.

Each variant is an ordinary campaign (created by CampaignManager.insert_checked after the
checks every campaign gets) whose selection is narrowed to its buckets (domain/ab_tests.py,
storage/ab_tests.py). The decision reads the variants' funnels from storage/stats.py, the
numbers their campaign pages show, so the winner is the one the pages say is ahead. Every
refusal comes before anything is written and names the field at fault.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from wabroadcast.domain.ab_tests import (
    ENDED_STATES,
    WINNER,
    AbMetric,
    AbTestError,
    AbTestState,
    BucketRange,
    Decision,
    VariantRate,
    check_test,
    letter,
    pick_winner,
    rest_range,
    variant_range,
)
from wabroadcast.domain.audience import Audience, audience_from_json
from wabroadcast.domain.models import CampaignState
from wabroadcast.engine.lifecycle import cancel_campaign
from wabroadcast.engine.manager import (
    CampaignManager,
    CampaignRequest,
    is_language_code,
    is_template_name,
)
from wabroadcast.engine.refusals import Refused
from wabroadcast.storage import ab_tests as ab_store
from wabroadcast.storage import sends as send_store
from wabroadcast.storage.stats import Funnel, funnels
from wabroadcast.storage.tables import AbTest, Campaign, Template

ENDED_CAMPAIGN = (
    CampaignState.COMPLETED.value,
    CampaignState.CANCELLED.value,
    CampaignState.ABORTED.value,
)


class AbTestRefused(Refused):
    """Nothing was created or changed; `status` is the API's answer (404, 409 or 422)."""


@dataclass(frozen=True, slots=True)
class AbTestAsk:
    """What a user asks for: templates[0] is variant A, each over `share` percent."""

    name: str
    templates: tuple[str, ...]
    share: int
    metric: str
    decide_after_hours: int
    language: str | None = None
    """None: each template's only language here."""
    limit: int | None = None
    """At most this many contacts over the variants and the rest; None: everyone."""
    phone_number_id: str | None = None
    audience: Audience | None = None


def create_in(manager: CampaignManager, session: Session, ask: AbTestAsk) -> AbTest:
    """The test and one campaign per variant, in the caller's transaction (the caller starts
    the campaigns after commit). Raises AbTestRefused or CampaignRefused."""
    metric = check_ask(ask)
    name = ask.name.strip()
    first = CampaignRequest(  # the number checked before the test's row exists
        template_name=ask.templates[0],
        language=ask.language or only_language(session, ask.templates[0]),
        limit=1,
        phone_number_id=ask.phone_number_id,
    )
    number = manager.check_input(first)
    now = manager.clock.now()
    test = AbTest(
        name=name,
        metric=metric.value,
        share_percent=ask.share,
        decide_after_hours=ask.decide_after_hours,
        state=AbTestState.TESTING.value,
        templates=list(ask.templates),
        language=ask.language,
        phone_number_id=number,
        audience=ask.audience.to_json() if ask.audience and not ask.audience.is_everyone else None,
        requested_limit=ask.limit,
        created_at=now,
        decide_at=now + timedelta(hours=ask.decide_after_hours),
        updated_at=now,
    )
    session.add(test)
    session.flush()
    for index, template in enumerate(ask.templates):
        narrow = variant_range(test.id, index, ask.share)
        language = ask.language or only_language(session, template)
        taken = _eligible(manager, session, template, test, narrow, now)
        if ask.limit is not None:
            taken = min(taken, -(-ask.limit * ask.share // 100))
        request = CampaignRequest(
            template_name=template,
            language=language,
            limit=max(taken, 1),
            phone_number_id=ask.phone_number_id,
            audience=ask.audience,
            narrow=narrow,
        )
        campaign = manager.insert_checked(session, request, manager.check_input(request))
        campaign.ab_test_id, campaign.ab_variant = test.id, letter(index)
    session.flush()
    return test


def check_ask(ask: AbTestAsk) -> AbMetric:
    """The checks that need neither the database nor the Cloud API (run before a template
    sync); returns the metric. Raises AbTestRefused naming the field."""
    try:
        check_test(ask.templates, ask.share, ask.decide_after_hours)
        metric = AbMetric.parse(ask.metric)
    except AbTestError as exc:
        raise AbTestRefused(str(exc), field=exc.field, code="invalid_ab_test", status=422) from None
    for template in ask.templates:
        if not is_template_name(template):
            raise AbTestRefused(
                f"{template[:40]!r} is not a template name: Meta's names are lowercase letters, "
                "digits and underscores (e.g. daily_offer)",
                field="templates",
                code="invalid_ab_test",
                status=422,
            )
    if ask.language is not None and not is_language_code(ask.language):
        raise AbTestRefused(
            f"{ask.language[:20]!r} is not a language code; use the template's code exactly "
            "as approved, e.g. tr or en_US",
            field="language",
            code="invalid_ab_test",
            status=422,
        )
    name = ask.name.strip()
    if not name or len(name) > 255 or any(ord(c) < 32 or ord(c) == 127 for c in name):
        raise AbTestRefused(
            "name must be 1 to 255 characters, without control characters",
            field="name",
            code="invalid_ab_test",
            status=422,
        )
    return metric


def only_language(session: Session, template: str) -> str:
    """The template's language when it has exactly one here; else a refusal asking for it."""
    languages = sorted(set(session.scalars(select(Template.language).filter_by(name=template))))
    if len(languages) == 1:
        return languages[0]
    found = ", ".join(languages) if languages else "none (unknown template)"
    raise AbTestRefused(
        f"template '{template[:80]}' has languages: {found}; give the language",
        field="language",
        code="invalid_ab_test",
        status=422,
    )


def _eligible(
    manager: CampaignManager,
    session: Session,
    template: str,
    test: AbTest,
    narrow: BucketRange,
    now: datetime,
) -> int:
    return send_store.count_eligible(
        session,
        template,
        marketing_to_us=manager.settings.marketing_to_us,
        audience=audience_from_json(test.audience),
        now=now,
        narrow=narrow,
    )


def get_test(session: Session, test_id: int) -> AbTest:
    test = session.get(AbTest, test_id)
    if test is None:
        raise AbTestRefused(
            f"A/B test {test_id} does not exist", field=None, code="not_found", status=404
        )
    return test


def rates(
    test: AbTest, variants: list[Campaign], found: dict[int, Funnel]
) -> dict[str, VariantRate]:
    """Each variant's accepted sends and reads (or replies), as its campaign page counts."""
    out: dict[str, VariantRate] = {}
    for campaign in variants:
        if campaign.ab_variant is None or campaign.ab_variant == WINNER:
            continue
        funnel = found.get(campaign.id, Funnel())
        hits = funnel.read if test.metric == AbMetric.READ.value else funnel.replied
        out[campaign.ab_variant] = VariantRate(accepted=campaign.accepted_count, hits=hits)
    return out


def decide_in(
    manager: CampaignManager, session: Session, test_id: int, *, now_or_later: bool = False
) -> tuple[AbTest, Decision, Campaign | None]:
    """Pick the winner and create the winner's campaign for the rest (the caller starts it).
    `now_or_later` False: refused before decide_at (the periodic check passes True only for
    due tests; `decide` asks to decide now and passes True). Raises AbTestRefused."""
    now = manager.clock.now()
    test = get_test(session, test_id)
    if test.state != AbTestState.TESTING.value:
        raise AbTestRefused(
            f"A/B test {test_id} is {test.state}; only a test still testing is decided",
            field=None,
            code="not_testing",
            status=409,
        )
    if not now_or_later and now < test.decide_at:
        raise AbTestRefused(
            f"A/B test {test_id} is decided from {test.decide_at:%Y-%m-%d %H:%M} UTC",
            field=None,
            code="too_early",
            status=409,
        )
    variants = ab_store.campaigns_of(session, test.id)
    sending = [c for c in variants if c.state == CampaignState.RUNNING.value]
    if sending:
        letters = ", ".join(c.ab_variant or "?" for c in sending)
        raise AbTestRefused(
            f"A/B test {test_id}: variant {letters} is still sending; decide when it has ended",
            field=None,
            code="variants_sending",
            status=409,
        )
    if not ab_store.claim_for_decision(session, test.id, now):
        raise AbTestRefused(
            f"A/B test {test_id} is being decided elsewhere",
            field=None,
            code="not_testing",
            status=409,
        )
    decision = pick_winner(rates(test, variants, funnels(session, [c.id for c in variants])))
    session.refresh(test)
    test.decided_at, test.updated_at, test.note = now, now, decision.reason
    test.winner_variant = decision.winner
    rest = None if decision.winner is None else _rest(manager, session, test, variants, now)
    test.state = (AbTestState.SENDING_WINNER if rest else AbTestState.DONE).value
    session.flush()
    return test, decision, rest


def _rest(
    manager: CampaignManager,
    session: Session,
    test: AbTest,
    variants: list[Campaign],
    now: datetime,
) -> Campaign | None:
    """The winner's campaign over the buckets above the variants'; None when nobody is left
    (or the limit was used up by the variants)."""
    winner = next(c for c in variants if c.ab_variant == test.winner_variant)
    narrow = rest_range(test.id, len(test.templates), test.share_percent)
    taken = _eligible(manager, session, winner.template_name, test, narrow, now)
    if test.requested_limit is not None:
        used = sum(c.selected_count for c in variants)
        taken = min(taken, test.requested_limit - used)
    if taken <= 0:
        test.note = f"{test.note}; nobody left for the winner"
        return None
    request = CampaignRequest(
        template_name=winner.template_name,
        language=winner.language,
        limit=taken,
        phone_number_id=winner.phone_number_id,
        parameters=dict(winner.parameters or {}) or None,
        audience=audience_from_json(test.audience),
        narrow=narrow,
    )
    campaign = manager.insert_checked(session, request, manager.check_input(request))
    campaign.ab_test_id, campaign.ab_variant = test.id, WINNER
    return campaign


def cancel_in(manager: CampaignManager, session: Session, test_id: int) -> AbTest:
    """State cancelled; its running or paused campaigns are cancelled (the sender stops at
    its next batch). Raises AbTestRefused for an unknown or ended test."""
    test = get_test(session, test_id)
    if AbTestState(test.state) in ENDED_STATES:
        raise AbTestRefused(
            f"A/B test {test_id} is {test.state} already",
            field=None,
            code="conflict",
            status=409,
        )
    now = manager.clock.now()
    for campaign in ab_store.campaigns_of(session, test.id):
        if campaign.state not in ENDED_CAMPAIGN:
            cancel_campaign(session, campaign.id, manager.clock)
    test.state, test.updated_at = AbTestState.CANCELLED.value, now
    session.flush()
    return test


def settle(session: Session, now: datetime) -> list[int]:
    """Tests sending their winner whose campaign has ended become done; returns their ids."""
    ended = [tid for tid, state in ab_store.sending_winner(session) if state in ENDED_CAMPAIGN]
    for test_id in ended:
        test = session.get(AbTest, test_id)
        if test is not None:
            test.state, test.updated_at = AbTestState.DONE.value, now
    session.flush()
    return ended
