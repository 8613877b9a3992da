"""The engine's Marketing Messages API sentences are shown in the reader's language."""

from __future__ import annotations

from datetime import UTC, datetime

from wabroadcast.cloudapi.errors import GraphError
from wabroadcast.cloudapi.marketing import TERMS_SENTENCE, MarketingOptions
from wabroadcast.engine.outcomes import fatal_message, pause_message
from wabroadcast.engine.routing import Route, on_refusal
from wabroadcast.web import i18n
from wabroadcast.web.reasons import campaign_error_text, campaign_note_text

TR, EN = i18n.translator("tr"), i18n.translator("en")


def error(code: int, details: str = "") -> GraphError:
    return GraphError(
        code=code,
        message=f"(#{code}) refused",
        http_status=400,
        details=details,
        fbtrace_id="AbCdEfGhIjKlMnOpQrStUvW",
    )


def test_the_terms_pause_is_translated() -> None:
    stored = f"paused: {TERMS_SENTENCE}"
    assert "koşullarını kabul etmemiş" in campaign_error_text(stored, TR)
    assert "WhatsApp Manager" in campaign_error_text(stored, EN)


def test_the_syncing_pause_and_the_not_marketing_stop_are_translated() -> None:
    syncing = pause_message(error(134101))
    assert syncing.startswith("paused: template still syncing to the Marketing Messages API")
    assert "henüz aktarılıyor" in campaign_error_text(syncing, TR)
    assert "fbtrace_id AbCdEfGhIjKlMnOpQrStUvW" in campaign_error_text(syncing, TR)
    refused = fatal_message(error(134100), "daily_offer", "tr")
    turkish = campaign_error_text(refused, TR)
    assert "'daily_offer' (tr)" in turkish and "134100" in turkish and "eşitleyip" in turkish


def test_both_fallback_notes_are_translated() -> None:
    now = datetime(2026, 12, 7, 14, 30, tzinfo=UTC)
    terms = GraphError(
        code=10,
        message="(#10) Application does not have permission for this action",
        http_status=403,
        details="The Marketing Messages API Terms of Service are not accepted.",
    )
    for refusal, words in ((terms, "koşullarını"), (error(134102), "uygun değil")):
        decision = on_refusal(Route("prefer", MarketingOptions()), refusal, now, via_marketing=True)
        assert decision is not None and decision.note is not None
        shown = campaign_note_text(decision.note, TR)
        assert words in shown and "2026-12-07 14:30 UTC" in shown
        assert campaign_note_text(decision.note, EN) != decision.note  # the panel's own words
    assert campaign_note_text("something else", TR) == "something else"
