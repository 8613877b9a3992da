"""Contact search through `GET /api/contacts?q=` and the panel's `/contacts?q=`.

Names are imported through the real upload (the import's upsert writes `search_key`), and
every name is looked up as stored, in upper and lower case (Python's and Turkish rules) and
typed without Turkish letters; each query must find exactly that contact on both surfaces.
"""

from __future__ import annotations

import re

import pytest

from tests.web.views.helpers import Panel, panel
from wabroadcast.config import Settings

CONTACTS = [  # (phone as imported, name, the word searched, that word as typed in ASCII)
    ("905551234567", "Şükrü Demir", "Şükrü", "sukru"),
    ("0555 123 45 61", "Ayşe Öztürk", "Öztürk", "ozturk"),
    ("+90 555 123 45 62", "Çağlar Kaya", "Çağlar", "caglar"),
    ("0555 123 45 63", "İsmail Şen", "İsmail", "ismail"),
    ("0555 123 45 64", "ALİ VURAL", "ALİ", "ali"),
    ("0555 123 45 65", "Ece IŞIK", "IŞIK", "isik"),
    ("0555 123 45 66", "Mert YILMAZ", "YILMAZ", "yilmaz"),
]
PHONES = ["+905551234567"] + [f"+90555123456{i}" for i in range(1, 7)]
SHUKRU = PHONES[0]


def upload(contacts: list[tuple[str, str, str, str]]) -> dict[str, tuple[str, bytes, str]]:
    lines = ["phone,name"] + [f"{phone},{name}" for phone, name, _, _ in contacts]
    return {"file": ("contacts.csv", "\n".join(lines).encode(), "text/csv")}


def tr_upper(text: str) -> str:
    return text.replace("i", "İ").replace("ı", "I").upper()


def tr_lower(text: str) -> str:
    return text.replace("I", "ı").replace("İ", "i").lower()


def spellings(word: str, ascii_word: str) -> list[str]:
    variants = [word, word.upper(), word.lower(), tr_upper(word), tr_lower(word), ascii_word]
    variants += [ascii_word.upper()]
    return list(dict.fromkeys(variants))


async def api_phones(p: Panel, query: str) -> list[str]:
    answer = await p.h.client.get("/api/contacts", params={"q": query})
    assert answer.status_code == 200, answer.text
    page = answer.json()
    assert page["total"] == len(page["items"])
    return [item["phone"] for item in page["items"]]


async def panel_phones(p: Panel, query: str) -> list[str]:
    page = await p.browser.get("/contacts", params={"q": query})
    assert page.status_code == 200, page.text[:300]
    total = re.search(r"([\d.,]+) contacts", page.text)
    assert total is not None, page.text[:300]
    found = [phone for phone in PHONES if phone in page.text]
    assert int(total.group(1).replace(",", "").replace(".", "")) == len(found)
    return found


@pytest.mark.anyio
async def test_names_match_in_any_case_and_without_turkish_letters(settings: Settings) -> None:
    async with panel(settings) as p:
        answer = await p.h.client.post("/api/contacts", files=upload(CONTACTS))
        assert answer.json()["imported"] == len(CONTACTS), answer.text
        for phone, (_, _, word, ascii_word) in zip(PHONES, CONTACTS, strict=True):
            for query in spellings(word, ascii_word):
                assert await api_phones(p, query) == [phone], query
                assert await panel_phones(p, query) == [phone], query
        assert await api_phones(p, "öztürk AYŞE") == [PHONES[1]]  # words in any order
        assert await api_phones(p, "ayse ozturk kaya") == []  # every word must match
        assert await panel_phones(p, "%") == [] and await api_phones(p, "_") == []


@pytest.mark.anyio
async def test_renaming_through_an_import_refreshes_the_search(settings: Settings) -> None:
    async with panel(settings) as p:
        await p.h.client.post("/api/contacts", files=upload(CONTACTS))
        renamed = [("905551234567", "Gülşen Ağaoğlu", "", "")]
        answer = await p.h.client.post("/api/contacts", files=upload(renamed))
        assert answer.json()["updated"] == 1, answer.text
        assert await api_phones(p, "sukru") == []
        assert await api_phones(p, "GULSEN agaoglu") == [SHUKRU]
        assert await panel_phones(p, "ağaoğlu") == [SHUKRU]


@pytest.mark.anyio
@pytest.mark.parametrize(
    "query",
    ["0555 123 45 67", "+90 555 123 45 67", "905551234567", "5551234567", "+905551234567"],
)
async def test_a_number_in_any_format_finds_exactly_that_contact(
    settings: Settings, query: str
) -> None:
    async with panel(settings) as p:
        await p.h.client.post("/api/contacts", files=upload(CONTACTS))
        assert await api_phones(p, query) == [SHUKRU]
        assert await panel_phones(p, query) == [SHUKRU]


@pytest.mark.anyio
async def test_parts_and_tails_of_numbers(settings: Settings) -> None:
    async with panel(settings) as p:
        await p.h.client.post("/api/contacts", files=upload(CONTACTS))
        assert await api_phones(p, "45 67") == [SHUKRU]
        assert await panel_phones(p, "4567") == [SHUKRU]
        assert sorted(await api_phones(p, "0555 123 45")) == sorted(PHONES)
        assert sorted(await panel_phones(p, "+90 555 123")) == sorted(PHONES)
        assert await api_phones(p, "0555 999") == []
