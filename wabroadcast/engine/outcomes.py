"""Turning one Cloud API answer into what the engine does next, and the words it reports."""

from __future__ import annotations

from wabroadcast.cloudapi.errors import GraphError, reason

# The campaigns.failures key of a request that got no usable answer at all.
NO_ANSWER = "no answer from the Cloud API"


def failure_reason(code: int | None) -> str:
    """Key of campaigns.failures: the code and a short reason, e.g. "131026 undeliverable…"."""
    return f"{code} {reason(code)}" if code is not None else NO_ANSWER


def fatal_message(error: GraphError, template: str, language: str) -> str:
    """Why a campaign stopped, in words a person can act on (never the token)."""
    code = error.code
    if code == 132001:
        return f"template '{template}' does not exist in language '{language}'"
    if code == 132016:
        return f"template '{template}' ({language}) is permanently disabled by Meta"
    if code in (0, 190):
        return "access token invalid or expired"
    if code in (131055, 134100):
        return (
            f"the Marketing Messages API refused template '{template}' ({language}) as not a "
            f"MARKETING template (Cloud API error {code}); Meta may have recategorised it: "
            "sync the templates and send again (a template that is not MARKETING any more goes "
            "through /messages)"
        )
    trace = f", fbtrace_id {error.fbtrace_id}" if error.fbtrace_id else ""
    return f"{reason(code)} (Cloud API error {code}: {error.message}{trace})"


TEMPLATE_PAUSED = 132015


def template_paused_message(template: str, language: str, *, held_dropped: bool = False) -> str:
    """Why a campaign paused on Cloud API 132015: Meta paused the template for low quality.
    A send refused with it reached nobody; a failed status with it means the messages Meta
    held for a template under pacing were dropped (cloudapi.md §4). Either way the template
    needs a person to unpause it before the campaign can go on."""
    text = f"template '{template}' ({language}) paused by Meta for low quality (132015)"
    if held_dropped:
        text += " — held messages were dropped"
    return text + "; unpause the template in WhatsApp Manager, then resume"


def pause_message(error: GraphError, template: str = "", language: str = "") -> str:
    """Why a campaign paused itself (Cloud API 131048 spam limit, 131064 miscategorised
    template limit, 132015 template paused): Meta lifts these after a while or a person
    unpauses the template, so a person checks and resumes."""
    if error.code == TEMPLATE_PAUSED:
        return template_paused_message(template, language)
    trace = f", fbtrace_id {error.fbtrace_id}" if error.fbtrace_id else ""
    if error.code == 134101:
        return (
            f"paused: {reason(error.code)} (Cloud API error 134101{trace}); a new or changed "
            "template can take about 10 minutes to reach it: resume the campaign later"
        )
    return (
        f"paused: {reason(error.code)} (Cloud API error {error.code}{trace});"
        " check the number's quality in WhatsApp Manager, then resume the campaign"
    )
