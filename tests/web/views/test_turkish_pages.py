"""Every panel page in Turkish, filled with data in every section, has no English sentence.

The pages are fetched from the real app (filled by the browser tests' `seed_panel`) with the
language set to Turkish. What a user reads — text nodes, button labels, titles, placeholders —
is searched for English function words ("the", "is", "not", …); what is data, not sentences
(code, template and contact names, numbers, stored webhook bodies) is left out, and so is
an element that says it is English (`lang="en"`: the webhook log's technical diagnostics
of a stored body). Turkish "not" (a note) is why that word is not searched for. A failure
names the page and the English text, which then needs a locale key.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from tests.web.browser.seed import seed_panel
from tests.web.views.helpers import PAGES, panel
from wabroadcast.config import Settings

ENGLISH_WORDS = frozenset(
    {
        "the",
        "and",
        "is",
        "are",
        "was",
        "were",
        "with",
        "from",
        "for",
        "of",
        "to",
        "this",
        "that",
        "has",
        "have",
        "been",
        "by",
        "or",
        "its",
        "be",
        "an",
        "will",
        "can",
        "could",
        "should",
        "there",
        "their",
        "which",
        "when",
        "who",
        "what",
        "you",
        "your",
        "after",
        "before",
        "does",
        "did",
        "because",
        "than",
        "into",
        "only",
        "every",
        "already",
        "exist",
        "exists",
        "please",
        "more",
        "must",
        "cannot",
        "may",
        "would",
        "here",
        "then",
        "them",
        "they",
    }
)
SKIPPED_TAGS = frozenset({"script", "style", "code", "pre", "textarea"})
DATA_CLASSES = frozenset({"mono", "body-text", "webhook-body", "data"})
READ_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt")
WORD = re.compile(r"[\w'.]+")


class VisibleText(HTMLParser):
    """Text a reader sees, without code, stored bodies or elements marked as data."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[bool] = []
        self.texts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        classes = set((values.get("class") or "").split())
        hidden = tag in SKIPPED_TAGS or bool(classes & DATA_CLASSES) or values.get("lang") == "en"
        inside = bool(self.stack and self.stack[-1]) or hidden
        if tag not in {"br", "input", "img", "meta", "link", "hr", "wbr", "source"}:
            self.stack.append(inside)
        if not inside:
            self.texts.extend(str(values[a]) for a in READ_ATTRIBUTES if values.get(a))
            if tag == "input" and values.get("type") in {"submit", "button"}:
                self.texts.append(str(values.get("value") or ""))

    def handle_endtag(self, tag: str) -> None:
        if tag not in {"br", "input", "img", "meta", "link", "hr", "wbr", "source"} and self.stack:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if not (self.stack and self.stack[-1]) and data.strip():
            self.texts.append(data.strip())


def english_in(html: str) -> list[str]:
    parser = VisibleText()
    parser.feed(html)
    return [
        text
        for text in parser.texts
        if any(word.lower().strip(".") in ENGLISH_WORDS for word in WORD.findall(text))
    ]


def test_the_detector_finds_english_and_ignores_code() -> None:
    html = (
        '<p>Kampanya tamamlandı</p><p title="this is English">x</p>'
        '<code>wabroadcast sends the thing</code><td class="mono">the_offer</td>'
        "<p>Gönderim: the number is not on WhatsApp</p>"
    )
    html += '<p lang="en">entry 0: changes is str, not a list</p>'
    assert english_in(html) == ["this is English", "Gönderim: the number is not on WhatsApp"]


@pytest.mark.anyio
async def test_every_page_in_turkish_has_no_english_sentence(settings: Settings) -> None:
    async with panel(settings) as p:
        seeded = seed_panel(p.database)
        await p.browser.get("/?lang=tr")
        found: dict[str, list[str]] = {}
        campaigns = [f"/campaigns/{seeded['campaign']}", f"/campaigns/{seeded['paused']}"]
        for path in [*PAGES, *campaigns, "/campaigns/999999"]:
            page = await p.browser.get(path)
            assert page.status_code in (200, 404), path
            assert '<html lang="tr">' in page.text, path
            english = english_in(page.text)
            if english:
                found[path] = english
        assert found == {}, "\n".join(f"{k}: {v}" for k, v in found.items())
