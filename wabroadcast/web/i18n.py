"""Turkish and English for every visible string of the panel.

The language comes from the `wabroadcast_lang` cookie (set by the EN/TR links), else from the
browser's Accept-Language header, else English. The catalogues live in
:mod:`wabroadcast.web.locales` as plain dicts with the same keys (a test checks they match), so
a missing translation is caught before it ships instead of showing a raw key to a user.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from wabroadcast.web.locales.en import MESSAGES as ENGLISH
from wabroadcast.web.locales.tr import MESSAGES as TURKISH

LANG_COOKIE = "wabroadcast_lang"
DEFAULT_LANGUAGE = "en"
CATALOGUES: Mapping[str, Mapping[str, str]] = {"en": ENGLISH, "tr": TURKISH}
SUPPORTED = tuple(CATALOGUES)


def negotiate(accept_language: str | None) -> str:
    """The best supported language in an Accept-Language header (RFC 9110 q-values)."""
    if not accept_language:
        return DEFAULT_LANGUAGE
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept_language.split(",")):
        pieces = part.strip().split(";")
        tag = pieces[0].strip().lower()
        quality = 1.0
        for param in pieces[1:]:
            name, _, value = param.strip().partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        primary = tag.split("-")[0]
        if primary in CATALOGUES and quality > 0:
            ranked.append((-quality, position, primary))
    return min(ranked)[2] if ranked else DEFAULT_LANGUAGE


def choose_language(cookie: str | None, accept_language: str | None) -> str:
    """An explicit choice (cookie) wins over the browser's preference."""
    if cookie in CATALOGUES:
        return str(cookie)
    return negotiate(accept_language)


@dataclass(frozen=True)
class Translator:
    """Looks up a key in one language; falls back to English, then to the key itself."""

    language: str

    def __call__(self, key: str, /, **params: object) -> str:
        text = CATALOGUES[self.language].get(key)
        if text is None:
            text = CATALOGUES[DEFAULT_LANGUAGE].get(key, key)
        return text.format(**params) if params else text

    def has(self, key: str) -> bool:
        """Whether the catalogues know `key` (every key is in both languages)."""
        return key in CATALOGUES[DEFAULT_LANGUAGE]

    def number(self, value: int | float) -> str:
        """Thousands separators as each language writes them (1,234 / 1.234)."""
        if isinstance(value, float) and not value.is_integer():
            text = f"{value:,.1f}"
        else:
            text = f"{int(value):,}"
        if self.language == "tr":
            text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
        return text


def translator(language: str) -> Translator:
    return Translator(language if language in CATALOGUES else DEFAULT_LANGUAGE)
