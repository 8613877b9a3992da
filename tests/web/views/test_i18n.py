"""Turkish and English: the same keys, every key the templates use, the browser's choice."""

from __future__ import annotations

import re
import string
from pathlib import Path

from wabroadcast.web import i18n
from wabroadcast.web.locales import en, tr

WEB = Path(i18n.__file__).parent
LITERAL_KEY = re.compile(r"""\bt\(\s*["']([a-z_][a-z0-9_.]*)["']\s*[,)]""")


def used_keys() -> set[str]:
    keys: set[str] = set()
    for path in [*WEB.joinpath("templates").glob("*.html"), *WEB.joinpath("views").glob("*.py")]:
        keys.update(LITERAL_KEY.findall(path.read_text(encoding="utf-8")))
    return keys


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_catalogues_have_the_same_keys_and_placeholders() -> None:
    assert set(en.MESSAGES) == set(tr.MESSAGES)
    for key, english in en.MESSAGES.items():
        assert placeholders(english) == placeholders(tr.MESSAGES[key]), key
        assert tr.MESSAGES[key].strip(), key


def test_every_key_used_by_the_panel_exists() -> None:
    keys = used_keys()
    assert len(keys) > 100
    assert keys - set(en.MESSAGES) == set()


def test_dynamic_keys_exist_for_every_state_and_step() -> None:
    from wabroadcast.domain.models import CampaignState
    from wabroadcast.storage.stats import DAY_SERIES as SERIES
    from wabroadcast.web.views.queries import FUNNEL_STEPS

    for state in CampaignState:
        assert f"state.{state.value}" in en.MESSAGES
        assert f"state_help.{state.value}" in en.MESSAGES
    for step in FUNNEL_STEPS:
        assert f"funnel.{step}" in en.MESSAGES
    for series in SERIES:
        assert f"stats.{series}" in en.MESSAGES


def test_every_cloud_api_error_has_its_own_turkish_explanation() -> None:
    from wabroadcast.cloudapi.errors import ERROR_TABLE

    for code, (_, english) in ERROR_TABLE.items():
        assert en.MESSAGES[f"error_code.{code}"] == english
        turkish = tr.MESSAGES[f"error_code.{code}"]
        assert turkish.strip() and turkish != english, code


def test_failure_reasons_are_shown_in_the_readers_language() -> None:
    from wabroadcast.engine.outcomes import failure_reason
    from wabroadcast.storage.stats import failure_reason as webhook_reason
    from wabroadcast.web.reasons import failure_text

    turkish, english = i18n.translator("tr"), i18n.translator("en")
    at_send = failure_reason(131026)
    assert failure_text(at_send, english) == at_send
    assert failure_text(at_send, turkish) == "131026 " + tr.MESSAGES["error_code.131026"]
    by_webhook = webhook_reason(131049, "Message failed to send because of ecosystem health")
    assert failure_text(by_webhook, turkish).startswith("131049 etkileşimi")
    assert failure_text(failure_reason(None), turkish) == "Cloud API'den yanıt gelmedi"
    assert failure_text(webhook_reason(None, None), turkish) == "başarısız"
    assert failure_text(failure_reason(250), turkish) == "250 izin eksik"
    assert failure_text(failure_reason(777), turkish) == "777 listede olmayan hata"
    assert failure_text("777 Meta's own title", turkish) == "777 Meta's own title"
    assert failure_text("131026: undeliverable", turkish).startswith("131026 teslim")
    assert failure_text("9" * 5000 + " x", turkish) == "9" * 5000 + " x"


def test_schedule_notes_are_shown_in_the_readers_language() -> None:
    from wabroadcast.web.reasons import schedule_note_text

    turkish, english = i18n.translator("tr"), i18n.translator("en")
    stamp = "2026-12-07 10:00Z"
    day = "2026-12-07 "  # the run's day: not repeated when it is the stamp's date
    lines = {
        f"{stamp} created": f"{stamp} oluşturuldu",
        f"{stamp} {day}campaign completed: 1225 accepted, 3 failed": (
            f"{stamp} kampanya tamamlandı: 1.225 kabul, 3 başarısız"
        ),
        f"{stamp} {day}campaign paused (template paused): 5 accepted, 0 failed": (
            f"{stamp} kampanya duraklatıldı (template paused): 5 kabul, 0 başarısız"
        ),
        f"{stamp} {day}no eligible contact left": f"{stamp} uygun kişi kalmadı",
        f"{stamp} {day}not started: template 'old_promo' is DISABLED": (
            f"{stamp} başlatılmadı: 'old_promo' şablonu gönderilemez: durumu DISABLED"
        ),
        f"{stamp} 3 days skipped (2026-12-01 to 2026-12-03): nothing was running at their "
        "time; not made up": f"{stamp} 3 gün atlandı (2026-12-01 – 2026-12-03): o saatlerde "
        "çalışan bir süreç yoktu; telafi edilmedi",
    }
    for line, expected in lines.items():
        assert schedule_note_text(line, turkish) == expected
        shown = line.replace("1225", "1,225").replace(f"{stamp} {day}", f"{stamp} ")
        assert schedule_note_text(line, english) == shown
    # Written after midnight about the day before: the day stays.
    late = "2026-12-08 00:05Z 2026-12-07 no eligible contact left"
    assert schedule_note_text(late, turkish) == "2026-12-08 00:05Z 2026-12-07 uygun kişi kalmadı"
    assert schedule_note_text("something else", turkish) == "something else"


def test_negotiate_follows_quality_values() -> None:
    assert i18n.negotiate("tr-TR,tr;q=0.9,en-US;q=0.8") == "tr"
    assert i18n.negotiate("en-GB,tr;q=0.9") == "en"
    assert i18n.negotiate("de, tr;q=0.2, en;q=0.1") == "tr"
    assert i18n.negotiate("tr;q=0, en;q=0.5") == "en"
    assert i18n.negotiate("fr, de") == "en"
    assert i18n.negotiate("tr;q=abc") == "en"
    assert i18n.negotiate(None) == "en"


def test_cookie_beats_the_header_and_bad_cookies_are_ignored() -> None:
    assert i18n.choose_language("en", "tr") == "en"
    assert i18n.choose_language("xx", "tr") == "tr"
    assert i18n.choose_language(None, None) == "en"


def test_numbers_and_missing_keys() -> None:
    assert i18n.translator("en").number(1234567) == "1,234,567"
    assert i18n.translator("tr").number(1234567) == "1.234.567"
    assert i18n.translator("tr").number(2.5) == "2,5"
    assert i18n.translator("tr")("pager.page", page=2, pages=9) == "Sayfa 2 / 9"
    assert i18n.translator("tr")("no.such.key") == "no.such.key"
    assert i18n.translator("de").language == "en"


def test_why_a_campaign_stopped_is_shown_in_the_readers_language() -> None:
    from wabroadcast.cloudapi.errors import GraphError
    from wabroadcast.engine.outcomes import fatal_message, pause_message
    from wabroadcast.web.reasons import campaign_error_text
    from wabroadcast.webhooks.template_pause import pause_reason

    turkish, english = i18n.translator("tr"), i18n.translator("en")
    spam = GraphError(message="Spam rate limit hit", code=131048, http_status=400, fbtrace_id="Ab1")
    missing = GraphError(message="Template name does not exist", code=132001, http_status=404)
    odd = GraphError(message="(#100) Invalid parameter", code=100, http_status=400)
    cases = {
        pause_message(spam): "duraklatıldı: 131048 spam oranı sınırı: numara kısıtlandı, "
        "fbtrace_id Ab1; numaranın kalitesini WhatsApp Manager'da kontrol edip kampanyayı "
        "sürdürün",
        fatal_message(missing, "daily_offer", "tr"): "'daily_offer' şablonu 'tr' dilinde yok",
        fatal_message(odd, "daily_offer", "tr"): "100 geçersiz parametre (Cloud API: "
        "(#100) Invalid parameter)",
        pause_reason("daily_offer", "tr", "PAUSED", "LOW_QUALITY"): "'daily_offer' (tr) "
        "şablonunun durumu Meta tarafından PAUSED yapıldı (neden: LOW_QUALITY)",
        "paused after 5 sends in a row failed (last: no answer)": "art arda 5 gönderim başarısız "
        "olduğu için duraklatıldı (son: Cloud API'den yanıt gelmedi)",
        "interrupted": tr.MESSAGES["campaign_error.interrupted"],
    }
    for error, expected in cases.items():
        assert campaign_error_text(error, turkish) == expected, error
        assert campaign_error_text(error, english) != expected
    assert campaign_error_text("something new", turkish) == "something new"


def test_a_template_paused_for_pacing_is_explained_in_the_readers_language() -> None:
    from wabroadcast.engine.outcomes import template_paused_message
    from wabroadcast.web.reasons import campaign_error_text

    turkish, english = i18n.translator("tr"), i18n.translator("en")
    refused = template_paused_message("daily_offer", "tr")
    dropped = template_paused_message("daily_offer", "tr", held_dropped=True)
    assert campaign_error_text(dropped, turkish) == (
        "'daily_offer' (tr) şablonu düşük kalite nedeniyle Meta tarafından duraklatıldı (132015) "
        "— bekletilen mesajlar gönderilmedi; şablonu WhatsApp Manager'da yeniden etkinleştirip "
        "kampanyayı sürdürün"
    )
    assert campaign_error_text(refused, turkish).endswith("(132015); şablonu WhatsApp Manager'da "
        "yeniden etkinleştirip kampanyayı sürdürün")  # fmt: skip
    assert campaign_error_text(dropped, english) == dropped
    assert campaign_error_text(refused, english) == refused
