"""The campaign page's Retarget form: another template for who did not read or reply in time.

It asks for what ``wabroadcast campaign retarget`` and ``POST /api/campaigns/{id}/retarget``
take, and hands it to the same ``CampaignManager.retarget_in``, so the three refuse the same
things with the same words (translated on the page by web/reasons.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from wabroadcast.domain.models import CampaignState
from wabroadcast.domain.retarget import MAX_AFTER_DAYS, MIN_AFTER_DAYS, RetargetWhen
from wabroadcast.engine.manager import MAX_CAMPAIGN_LIMIT, limit_problem
from wabroadcast.engine.retarget import RetargetAsk, RetargetRefused
from wabroadcast.storage.tables import Campaign, Template

DEFAULT_AFTER_DAYS = 3
WHEN_CHOICES = tuple(member.value for member in RetargetWhen)
SHOWN_FOR = frozenset(
    {CampaignState.COMPLETED, CampaignState.PAUSED, CampaignState.CANCELLED, CampaignState.ABORTED}
)
"""States whose page offers the form: a running (or waiting) campaign is retargeted after."""


@dataclass(frozen=True, slots=True)
class TemplateChoice:
    value: str
    """``name:language``, what the form posts."""
    name: str
    language: str


@dataclass(frozen=True, slots=True)
class RetargetForm:
    """The form as typed; kept as text so a refused form comes back as the user left it."""

    template: str = ""
    when: str = RetargetWhen.NOT_READ.value
    after_days: str = str(DEFAULT_AFTER_DAYS)
    limit: str = ""

    @classmethod
    def from_values(cls, values: Any) -> RetargetForm:
        def text(key: str, default: str = "") -> str:
            return str(values.get(key, default) or default).strip()[:200]

        return cls(
            template=text("template"),
            when=text("when", RetargetWhen.NOT_READ.value),
            after_days=text("after_days"),
            limit=text("limit"),
        )

    def ask(self) -> RetargetAsk:
        """What the manager takes; raises :class:`RetargetRefused` (422) for a field that is
        not a number or names no template."""
        name, _, language = self.template.partition(":")
        if not name:
            raise _refused("the template name is empty", "template")
        return RetargetAsk(
            template_name=name,
            language=language or None,
            when=self.when,
            after_days=_after_days(self.after_days),
            limit=_limit(self.limit),
        )


def _refused(message: str, field: str) -> RetargetRefused:
    return RetargetRefused(message, field=field, code="invalid_retarget", status=422)


def _after_days(raw: str) -> int:
    if raw.isdigit() and len(raw) < 6:
        return int(raw)  # the range is the domain's check (parse_after_days)
    raise _refused(
        f"after_days must be from {MIN_AFTER_DAYS} to {MAX_AFTER_DAYS} days, got {raw[:20]}",
        "after_days",
    )


def _limit(raw: str) -> int | None:
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 12:
        raise _refused(
            f"the limit must be from 1 to {MAX_CAMPAIGN_LIMIT:,}, got {raw[:20]}", "limit"
        )
    problem = limit_problem(int(raw))
    if problem is not None:
        raise _refused(problem, "limit")
    return int(raw)


def template_choices(session: Session, campaign: Campaign) -> list[TemplateChoice]:
    """Approved templates other than the campaign's own, its language first for each name."""
    rows = session.execute(
        select(Template.name, Template.language)
        .where(Template.status == "APPROVED")
        .where(Template.name != campaign.template_name)
        .order_by(Template.name, Template.language != campaign.language, Template.language)
    ).all()
    return [TemplateChoice(f"{name}:{language}", name, language) for name, language in rows]


def shown(state: str) -> bool:
    return state in SHOWN_FOR
