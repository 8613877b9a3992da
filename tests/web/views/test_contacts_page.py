"""The contacts page: import with the validation report, search, paging, opt-out state."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from tests.web.api.harness import add_contacts
from tests.web.views.helpers import panel
from wabroadcast.clock import SystemClock
from wabroadcast.config import Settings
from wabroadcast.sandbox import load_demo_contacts
from wabroadcast.storage.tables import Contact

CSV = (
    "phone,name,city\n"
    "905551234567,Ayşe,İzmir\n"
    "not-a-number,Bad Row,Ankara\n"
    "+90 555 123 45 68,Mehmet,Bursa\n"
    ",No Phone,Adana\n"
    "0555 123 45 69,Zeynep,Konya\n"
)


def report_count(html: str, key: str) -> int:
    match = re.search(rf'data-testid="report-{key}">(\d+)<', html)
    assert match is not None, key
    return int(match.group(1))


@pytest.mark.anyio
async def test_import_shows_the_validation_report_and_keeps_good_rows(settings: Settings) -> None:
    async with panel(settings) as p:
        files = {"file": ("customers.csv", CSV.encode(), "text/csv")}
        answer = await p.browser.post("/contacts/import", data={"csrf_token": p.csrf}, files=files)
        assert answer.status_code == 200, answer.text[-1500:]
        assert report_count(answer.text, "imported") == 3
        assert report_count(answer.text, "rejected") == 2
        assert "customers.csv:3" in answer.text and "customers.csv:5" in answer.text
        assert "wabroadcast-upload" not in answer.text  # no temporary paths leak
        assert "Ayşe" in answer.text and "Zeynep" in answer.text
        assert 'href="/contacts?lang=tr"' in answer.text  # not the POST-only /contacts/import
        with p.database.session() as session:
            assert session.scalar(select(func.count()).select_from(Contact)) == 3
        again = await p.browser.post("/contacts/import", data={"csrf_token": p.csrf}, files=files)
        assert report_count(again.text, "imported") == 0
        assert report_count(again.text, "unchanged") == 3


@pytest.mark.anyio
async def test_unreadable_or_missing_file_is_a_clear_400(settings: Settings) -> None:
    async with panel(settings) as p:
        broken = {"file": ("list.json", b'{"not": "a list"}', "application/json")}
        answer = await p.browser.post("/contacts/import", data={"csrf_token": p.csrf}, files=broken)
        assert answer.status_code == 400
        assert "list.json" in answer.text
        assert 'data-testid="import-report"' in answer.text
        empty = await p.browser.post("/contacts/import", data={"csrf_token": p.csrf})
        assert empty.status_code == 400
        assert "Choose a file to import." in empty.text
        forged = await p.browser.post("/contacts/import", data={"csrf_token": "nope"}, files=broken)
        assert forged.status_code == 403


UNREADABLE = (
    (
        "list.json",
        b'{"not": "a list"}',
        "list.json: satır 1, sütun 1: kişilerin JSON listesi `[{...}, ...]` bekleniyordu, "
        "bulunan: '{'",
        "list.json: line 1, column 1: expected a JSON list of contacts `[{...}, ...]`, found '{'",
    ),
    (
        "blank.json",
        b"  \n",
        "blank.json: satır 2, sütun 1: dosya boş; kişilerin JSON listesi",
        "blank.json: line 2, column 1: the file is empty; a JSON list of contacts",
    ),
    (
        "latin.json",
        b"\xe7[]",
        "latin.json: satır 1, sütun 1: geçerli utf-8 metni değil; dosya cp1254 ya da latin-1 ile "
        "kaydedildiyse UTF-8 olarak kaydedip yeniden yükleyin",
        "latin.json: line 1, column 1: not valid utf-8 text; if the file was saved as cp1254 or "
        "latin-1, save it as UTF-8 and upload it again",
    ),
    (
        "empty.csv",
        b"\n",
        "empty.csv: dosya boş (bir başlık satırı gerekiyor)",
        "empty.csv: the file is empty (a header row is needed)",
    ),
    (
        "latin.csv",
        "telefon,adı soyadı\n905551234567,Ayşe\n".encode("cp1254"),
        "latin.csv: satır 1: başlık geçerli utf-8 metni değil",
        "latin.csv: line 1: the header is not valid utf-8 text",
    ),
    (
        "people.csv",
        b"who,city\nAyse,Izmir\n",
        "people.csv: telefon numarasının hangi sütunda olduğu anlaşılamıyor (başlık: who, city); "
        "o sütunun adını phone, telefon ya da gsm yapıp dosyayı yeniden yükleyin",
        "people.csv: cannot tell which column holds the phone number (header: who, city); name "
        "that column phone, telefon or gsm and upload the file again",
    ),
)


@pytest.mark.anyio
@pytest.mark.parametrize(("name", "content", "turkish", "english"), UNREADABLE)
async def test_a_file_that_cannot_be_imported_says_why_in_the_readers_language(
    settings: Settings, name: str, content: bytes, turkish: str, english: str
) -> None:
    async with panel(settings) as p:
        files = {"file": (name, content, "application/octet-stream")}
        answers = {}
        for language in ("tr", "en"):
            await p.browser.get(f"/contacts?lang={language}")
            answer = await p.browser.post(
                "/contacts/import", data={"csrf_token": p.csrf}, files=files
            )
            assert answer.status_code == 400, answer.text[-1500:]
            answers[language] = html.unescape(answer.text)
        assert turkish in answers["tr"], answers["tr"][-2000:]
        assert english in answers["en"], answers["en"][-2000:]
        assert "--encoding" not in answers["en"] and "--phone-column" not in answers["en"]
        assert "wabroadcast-upload" not in answers["tr"]


@pytest.mark.anyio
async def test_a_file_over_the_upload_limit_says_the_limit_and_to_split_it(
    settings: Settings,
) -> None:
    async with panel(settings.model_copy(update={"max_upload_bytes": 4096})) as p:
        rows = "".join(f"+9055{n:08d},Kişi {n}\n" for n in range(1000)).encode()
        files = {"file": ("big.csv", b"phone,name\n" + rows, "text/csv")}
        await p.browser.get("/contacts?lang=tr")
        turkish = await p.browser.post("/contacts/import", data={"csrf_token": p.csrf}, files=files)
        await p.browser.get("/contacts?lang=en")
        english = await p.browser.post("/contacts/import", data={"csrf_token": p.csrf}, files=files)
        assert turkish.status_code == english.status_code == 413
        assert "4.096 bayttan büyük; dosyayı daha küçük dosyalara bölüp" in turkish.text
        assert "larger than 4,096 bytes" in english.text
        assert "split it into smaller files" in english.text
        for answer in (turkish, english):
            assert "wabroadcast contacts import" not in answer.text


@pytest.mark.anyio
async def test_search_paging_and_opt_out_state(settings: Settings) -> None:
    async with panel(settings) as p:
        phones = add_contacts(p.database, 120)
        now = datetime.now(UTC)
        with p.database.session() as session:
            contact = session.scalar(select(Contact).where(Contact.phone == phones[7]))
            assert contact is not None
            contact.opted_out_at = now
            contact.opt_out_reason = "user_preferences stop"
        first = await p.browser.get("/contacts")
        assert "120 contacts" in first.text
        assert first.text.count('<td class="mono">') == 50
        assert 'href="/contacts?page=2"' in first.text
        third = await p.browser.get("/contacts?page=3")
        assert third.text.count('<td class="mono">') == 20
        assert "Page 3 of 3" in third.text
        found = await p.browser.get("/contacts", params={"q": "Contact 7"})
        assert "Contact 7<" in found.text
        assert "user_preferences stop" in found.text
        assert "Opted out" in found.text
        by_number = await p.browser.get("/contacts", params={"q": phones[42][-7:]})
        assert "1 contacts" in by_number.text and phones[42] in by_number.text
        opted = await p.browser.get("/contacts", params={"filter": "opted_out"})
        assert "1 contacts" in opted.text and phones[7] in opted.text
        odd = await p.browser.get("/contacts", params={"q": "%_\\", "page": "x", "filter": "?"})
        assert odd.status_code == 200 and "0 contacts" in odd.text


def link(html: str, testid: str) -> str:
    match = re.search(rf'href="([^"]*)"[^>]*data-testid="{testid}"', html)
    assert match is not None, testid
    return match.group(1).replace("&amp;", "&")


def phones_shown(html: str) -> list[str]:
    return re.findall(r'<td class="mono">([^<]+)</td>', html)


@pytest.mark.anyio
async def test_hide_demo_contacts_and_newest_first_by_links(settings: Settings) -> None:
    async with panel(settings) as p:
        load_demo_contacts(p.database, SystemClock())
        real = add_contacts(p.database, 3)  # imported after the demo list
        first = await p.browser.get("/contacts?q=contact")
        assert "3 contacts" in first.text
        assert phones_shown(first.text) == real  # send order
        hide = link(first.text, "toggle-demo")
        assert hide == "/contacts?q=contact&hide_demo=true"

        everyone = await p.browser.get("/contacts?lang=tr")
        assert "503 kişi" in everyone.text and "Demo kişileri gizle" in everyone.text
        hidden = await p.browser.get(link(everyone.text, "toggle-demo"))
        assert "3 contacts" in hidden.text or "3 kişi" in hidden.text
        assert phones_shown(hidden.text) == real
        newest_link = link(hidden.text, "order-newest")
        assert newest_link == "/contacts?hide_demo=true&order=newest"
        newest = await p.browser.get(newest_link)
        assert phones_shown(newest.text) == real[::-1]
        assert 'name="hide_demo" value="true"' in newest.text  # a new search keeps the view
        assert 'name="order" value="newest"' in newest.text
        shown_again = await p.browser.get(link(newest.text, "toggle-demo"))
        shown = phones_shown(shown_again.text)
        assert shown[:3] == real[::-1] and len(shown) == 50  # demo contacts are back, older
        assert link(shown_again.text, "order-send") == "/contacts"


BAD_JSON = (
    "[\n"
    '{"phone": "+905551234567", "name": "Ayşe"},\n'
    '{"name": "No Phone"},\n'
    '{"phone": true},\n'
    '{"phone": "+90555", "name": "Short"},\n'
    '{"phone": "+905551234568", "name": 5},\n'
    '{"phone": "+905551234569", "name": "' + "x" * 300 + '"},\n'
    '{"phone": "+905551234570", "index": "first"},\n'
    '{"phone": "905551234567", "name": "Again"},\n'
    "5,\n"
    '{"phone": "+905551234571"} {"phone": "+905551234572"},\n'
    '{"phone": "+905551234573", "name": "\\ud800"},\n'
    '{"phone": "12345678901234567890"}\n'
    "]\n"
)
BAD_CSV = (
    "phone,name\n"
    "905551234574,Zeynep\n"
    "905551234575,Too,Many,Fields\n"
    '905551234576,"Open quote\n'
    "905551234577,Next Row\n"
    "abc,Letters\n"
)


def problem_cells(html: str) -> list[tuple[str, str]]:
    body = html.split('data-testid="import-report"', 1)[1]
    return re.findall(r"<tr><td>([^<]*)</td><td>([^<]*)</td></tr>", body)


@pytest.mark.anyio
@pytest.mark.parametrize(("name", "content"), [("people.json", BAD_JSON), ("people.csv", BAD_CSV)])
async def test_import_problems_are_shown_in_the_readers_language(
    settings: Settings, name: str, content: str
) -> None:
    async with panel(settings) as p:
        shown: dict[str, list[tuple[str, str]]] = {}
        for lang in ("en", "tr"):
            await p.browser.get(f"/contacts?lang={lang}")
            with p.database.session() as session:
                session.query(Contact).delete()
            files = {"file": (name, content.encode(), "text/plain")}
            answer = await p.browser.post(
                "/contacts/import", data={"csrf_token": p.csrf}, files=files
            )
            assert answer.status_code == 200, answer.text[-1500:]
            shown[lang] = problem_cells(answer.text)
        english, turkish = shown["en"], shown["tr"]
        assert len(english) == len(turkish) >= 3
        for (en_where, en_reason), (tr_where, tr_reason) in zip(english, turkish, strict=True):
            assert tr_reason != en_reason, en_reason  # every reason has a Turkish sentence
            assert "--encoding" not in en_reason  # no CLI option in the panel
            if "(element" in en_where:
                assert "öğe)" in tr_where
