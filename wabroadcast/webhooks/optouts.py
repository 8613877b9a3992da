"""Opt-out and opt-in keywords in replies.

Turkish users write the same word as ``İPTAL``, ``IPTAL``, ``iptal`` or ``ıptal`` depending on
the keyboard, and Python's ``str.lower`` maps ``I`` to ``i`` but ``İ`` to ``i̇`` (two code
points), so plain case-folding misses half of them. Every dotted and dotless i is folded to
``i`` before comparing, and so are the other Turkish letters (ş→s, ç→c, ğ→g, ö→o, ü→u):
people on phones without a Turkish keyboard write ``BASLA`` for ``BAŞLA``. Only the whole
message counts (after trimming punctuation and collapsing spaces): "stop sending me ads" is a
complaint, not a keyword, and must not silently unsubscribe.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

_FOLD = str.maketrans(
    {"İ": "i", "I": "i", "ı": "i", "Ş": "s", "ş": "s", "Ç": "c", "ç": "c", "Ğ": "g", "ğ": "g"}
    | {"Ö": "o", "ö": "o", "Ü": "u", "ü": "u"}
)
_TRIM = " \t\r\n.!?,;:'\"“”‘’"


def normalize_keyword(text: str) -> str:
    """A reply's comparable form: NFC, Turkish letters folded, casefolded, spaces collapsed."""
    folded = unicodedata.normalize("NFC", text).translate(_FOLD).casefold()
    folded = folded.replace("\u0307", "")  # combining dot above, left by decomposed İ
    return " ".join(folded.strip(_TRIM).split())


def split_keywords(setting: str) -> frozenset[str]:
    """``"STOP, DUR,İPTAL"`` → the normalized set; blank items are ignored."""
    return frozenset(k for k in (normalize_keyword(p) for p in setting.split(",")) if k)


@dataclass(frozen=True)
class KeywordRules:
    opt_out: frozenset[str] = field(
        default_factory=lambda: split_keywords("STOP,DUR,İPTAL,UNSUBSCRIBE,ABONELIK IPTAL")
    )
    opt_in: frozenset[str] = field(default_factory=lambda: split_keywords("START,BASLA,BAŞLA"))

    def match(self, texts: Iterable[str | None]) -> str | None:
        """ "stop", "resume" or None for a reply's text (and button text/payload)."""
        for text in texts:
            if not text:
                continue
            key = normalize_keyword(text)
            if key in self.opt_out:
                return "stop"
            if key in self.opt_in:
                return "resume"
        return None
