"""One contact's page: every send to them with its stages, their replies and opt-outs.

The stages are the send's own columns (claimed, accepted from our side; sent, delivered,
read, failed from status webhooks), each with its time, so "what happened to this person"
needs no other screen. Exports of the same sends link to /api/sends.{csv,xlsx}.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from wabroadcast.storage.send_results import contact_results
from wabroadcast.storage.tables import Send
from wabroadcast.web.i18n import Translator
from wabroadcast.web.reasons import failure_text
from wabroadcast.web.views.campaigns import parse_id
from wabroadcast.web.views.render import Panel

STAGES = ("claimed", "accepted", "sent", "delivered", "read", "failed")
"""A send's stages in the order they happen; each is a `<stage>_at` column of sends."""
STAGE_TIME = "%Y-%m-%d %H:%M:%S UTC"
"""Seconds shown: sent, delivered and read are often in the same minute."""


def send_view(send: Send, t: Translator) -> dict[str, Any]:
    stages = [
        {"key": stage, "label": t("contact.stage." + stage), "at": at.strftime(STAGE_TIME)}
        for stage in STAGES
        if (at := getattr(send, f"{stage}_at")) is not None
    ]
    error = None
    if send.error_code is not None or send.error_title:
        error = failure_text(" ".join(str(p) for p in (send.error_code, send.error_title) if p), t)
    pricing = " · ".join(p for p in (send.pricing_category, send.pricing_type) if p) or None
    return {
        "id": send.id,
        "template": send.template_name,
        "language": send.language or "",
        "campaign_id": send.campaign_id,
        "state": send.state,
        "status": send.status,
        "stages": stages,
        "error": error,
        "pricing": pricing,
    }


def routes(panel: Panel) -> APIRouter:
    router = APIRouter()

    @router.get("/contacts/{raw_id}", response_class=HTMLResponse)
    def contact_page(request: Request, raw_id: str) -> Response:
        t = panel.translator(request)
        contact_id = parse_id(raw_id)
        with panel.database.session() as session:
            found = contact_results(session, contact_id) if contact_id is not None else None
            if found is None:
                message = t("contact.not_found", id=raw_id[:20])
                return panel.error_page(request, 404, "error.not_found", message)
            sends = [send_view(send, t) for send in found.sends]
            contact = found.contact
            replies, opt_outs = found.replies, found.opt_outs
        return panel.page(
            request,
            "contact.html",
            nav="contacts",
            path=f"/contacts/{contact.id}",
            contact=contact,
            sends=sends,
            replies=replies,
            opt_outs=opt_outs,
        )

    return router
