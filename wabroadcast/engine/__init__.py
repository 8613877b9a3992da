"""The send engine: each template reaches each contact at most once, at the configured rate."""

from __future__ import annotations

from wabroadcast.engine.lifecycle import (
    cancel_campaign,
    create_campaign,
    pause_campaign,
    resume_campaign,
    summary_of,
)
from wabroadcast.engine.limits import EngineOptions
from wabroadcast.engine.protocols import RunProgress, TemplateSender, callback_data
from wabroadcast.engine.sender import run_campaign
from wabroadcast.engine.summary import CampaignSummary

__all__ = [
    "CampaignSummary",
    "EngineOptions",
    "RunProgress",
    "TemplateSender",
    "callback_data",
    "cancel_campaign",
    "create_campaign",
    "pause_campaign",
    "resume_campaign",
    "run_campaign",
    "summary_of",
]
