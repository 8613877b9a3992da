"""/api/contacts: upload with the CLI's validation report, list and search, manual opt-out/in."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from tests.contacts.conftest import FIXTURES
from tests.web.api.harness import add_contacts, app_settings, running_app
from wabroadcast.clock import SystemClock
from wabroadcast.config import Settings
from wabroadcast.sandbox import load_demo_contacts
from wabroadcast.storage.tables import OptOut

ORIGINAL_FILE = json.dumps(
    [
        {"id": "905551234567", "name": "Ayşe", "index": 1},
        {"id": "not-a-phone", "name": "Broken", "index": 2},
        {"id": "+90 555 123 45 68", "name": "Mehmet", "index": 3},
        {"name": "No number", "index": 4},
    ],
    ensure_ascii=False,
    indent=1,
).encode()


@pytest.mark.anyio
async def test_upload_reports_bad_rows_and_keeps_good_ones(settings: Settings) -> None:
    async with running_app(app_settings(settings)) as h:
        files = {"file": ("contacts_with_index.json", ORIGINAL_FILE, "application/json")}
        answer = await h.client.post("/api/contacts", files=files)
        assert answer.status_code == 200, answer.text
        report = answer.json()
        assert report["file"] == "contacts_with_index.json"
        assert (report["imported"], report["rejected"]) == (2, 2)
        lines = {p["line"] for p in report["problems"]}
        assert len(report["problems"]) == 2 and None not in lines
        assert any("not-a-phone" in (p["value"] or "") for p in report["problems"])

        again = (await h.client.post("/api/contacts", files=files)).json()
        assert (again["imported"], again["unchanged"], again["rejected"]) == (0, 2, 2)

        csv_file = "telefon,isim,city\n0555 123 45 69,Zeynep,İzmir\n12,Short,Ankara\n"
        files = {"file": ("customers.csv", csv_file.encode(), "text/csv")}
        report = (await h.client.post("/api/contacts", files=files)).json()
        assert (report["imported"], report["rejected"]) == (1, 1)
        assert report["problems"][0]["line"] == 3

        listed = (await h.client.get("/api/contacts")).json()
        assert listed["total"] == 3
        assert [c["phone"] for c in listed["items"]] == [
            "+905551234567",
            "+905551234568",
            "+905551234569",
        ]
        zeynep = listed["items"][2]
        assert zeynep["name"] == "Zeynep" and zeynep["attributes"] == {"city": "İzmir"}


@pytest.mark.anyio
async def test_unreadable_upload_is_a_400(settings: Settings) -> None:
    async with running_app(app_settings(settings)) as h:
        files = {"file": ("contacts.json", b'{"not": "a list"}', "application/json")}
        answer = await h.client.post("/api/contacts", files=files)
        assert answer.status_code == 400
        error = answer.json()["error"]
        assert error["code"] == "unreadable_file" and error["field"] == "file"
        assert error["message"].startswith("contacts.json")
        missing = await h.client.post("/api/contacts", data={"format": "csv"})
        assert missing.status_code == 422
        assert missing.json()["error"]["field"] == "file"


@pytest.mark.anyio
async def test_list_pages_and_searches(settings: Settings) -> None:
    async with running_app(app_settings(settings)) as h:
        phones = add_contacts(h.database, 12)
        page = (await h.client.get("/api/contacts", params={"limit": 5, "offset": 10})).json()
        assert page["total"] == 12 and [c["phone"] for c in page["items"]] == phones[10:]
        by_name = (await h.client.get("/api/contacts", params={"q": "contact 11"})).json()
        assert [c["phone"] for c in by_name["items"]] == [phones[11]]
        by_number = (await h.client.get("/api/contacts", params={"q": "555 100 0007"})).json()
        assert [c["phone"] for c in by_number["items"]] == [phones[7]]
        wildcard = (await h.client.get("/api/contacts", params={"q": "%_"})).json()
        assert wildcard["total"] == 0


DEMO_AND_REAL = (
    "phone,name,demo\n0555 123 45 61,Ayşe,\n0555 123 45 62,Mehmet,yes\n0555 123 45 63,Zeynep,\n"
)
"""Imported after the sandbox's demo list; a `demo` column of text is not the demo marker."""


@pytest.mark.anyio
async def test_demo_contacts_hidden_and_newest_imports_first(settings: Settings) -> None:
    async with running_app(app_settings(settings)) as h:
        demo = load_demo_contacts(h.database, SystemClock())
        assert demo == 500
        files = {"file": ("customers.csv", DEMO_AND_REAL.encode(), "text/csv")}
        report = (await h.client.post("/api/contacts", files=files)).json()
        assert report["imported"] == 3, report
        everyone = (await h.client.get("/api/contacts", params={"limit": 1})).json()
        assert everyone["total"] == 503
        assert everyone["items"][0]["name"].endswith("(demo)")  # send order: demo first

        real = (await h.client.get("/api/contacts", params={"hide_demo": "true"})).json()
        assert real["total"] == 3
        assert [c["name"] for c in real["items"]] == ["Ayşe", "Mehmet", "Zeynep"]
        assert real["items"][1]["attributes"] == {"demo": "yes"}  # text, not the marker

        newest = (
            await h.client.get("/api/contacts", params={"order": "newest", "limit": 2})
        ).json()
        assert newest["total"] == 503
        assert [c["name"] for c in newest["items"]] == ["Zeynep", "Mehmet"]
        both = {"order": "newest", "hide_demo": "true", "offset": 1}
        real_newest = (await h.client.get("/api/contacts", params=both)).json()
        assert [c["name"] for c in real_newest["items"]] == ["Mehmet", "Ayşe"]
        assert real_newest["total"] == 3
        searched = {"order": "newest", "hide_demo": "true", "q": "ZEYNEP"}
        found = (await h.client.get("/api/contacts", params=searched)).json()
        assert [c["name"] for c in found["items"]] == ["Zeynep"] and found["total"] == 1

        wrong = await h.client.get("/api/contacts", params={"order": "oldest"})
        assert wrong.status_code == 422 and "order" in wrong.text


@pytest.mark.anyio
async def test_manual_opt_out_and_in_are_logged(settings: Settings) -> None:
    async with running_app(app_settings(settings)) as h:
        add_contacts(h.database, 2)
        first = (await h.client.get("/api/contacts")).json()["items"][0]
        out = await h.client.post(f"/api/contacts/{first['id']}/opt-out")
        assert out.status_code == 200
        assert out.json()["opted_out"] is True and out.json()["opt_out_reason"] == "manual"
        opted = (await h.client.get("/api/contacts", params={"opted_out": "true"})).json()
        assert [c["id"] for c in opted["items"]] == [first["id"]]
        back = (await h.client.post(f"/api/contacts/{first['id']}/opt-in")).json()
        assert back["opted_out"] is False and back["opt_out_reason"] is None
        with h.database.session() as session:
            log = session.execute(
                select(OptOut.action, OptOut.reason).where(OptOut.contact_id == first["id"])
            ).all()
        assert sorted(log) == [("resume", "manual"), ("stop", "manual")]


@pytest.mark.anyio
async def test_bad_uploads_are_400s_or_rejected_rows_never_500(settings: Settings) -> None:
    async with running_app(app_settings(settings)) as h:
        for encoding in ("zlib", "base64", "rot13", "utf-7"):
            files = {"file": ("c.csv", b"phone\n905551000001\n", "text/csv")}
            answer = await h.client.post("/api/contacts", files=files, data={"encoding": encoding})
            assert answer.status_code == 400, answer.text
            error = answer.json()["error"]
            assert error["field"] == "encoding" and "not a text encoding" in error["message"]

        no_bom = "phone,name\n905551000013,Ayşe\n".encode("utf-16-be")
        answer = await h.client.post("/api/contacts", files={"file": ("c.csv", no_bom)})
        assert (answer.json()["imported"], answer.json()["rejected"]) == (1, 0), answer.text
        files = {"file": ("b.csv", no_bom)}
        answer = await h.client.post("/api/contacts", files=files, data={"encoding": "latin-1"})
        assert answer.status_code == 400
        assert answer.json()["error"] == {
            "code": "unsupported_encoding",
            "field": "encoding",
            "message": "b.csv: the file is utf-16-be text (has a 0 byte in each character), "
            "not latin-1; use --encoding utf-16-be",
        }

        odd = "phone,name\n905551000001,A\n".encode("utf-16") + b"x"
        files = {"file": ("c.csv", odd, "text/csv")}
        report = await h.client.post("/api/contacts", files=files, data={"encoding": "utf-16"})
        assert report.status_code == 200 and report.json()["imported"] == 1
        assert "not valid utf-16" in report.json()["problems"][0]["reason"]

        good = b',{"id": "905551000002"}]'
        for first, reason in [
            (b'[{"id": "905551000003", "name": "\\ud800"}', "lone surrogate"),
            (b'[{"id": ' + b"9" * 5000 + b"}", "longer than 4300 digits"),
        ]:
            files = {"file": ("c.json", first + good, "application/json")}
            answer = await h.client.post("/api/contacts", files=files)
            assert answer.status_code == 200, answer.text
            assert reason in answer.json()["problems"][0]["reason"]
        odd_values = (
            b'[{"id": "905551000006", "name": NaN}, {"id": "905551000007", "x": Infinity},'
            b' {"id": "905551000008", "name": "A\\u0000B"}, {"id": "905551000009"}]'
        )
        answer = await h.client.post("/api/contacts", files={"file": ("c.json", odd_values)})
        assert answer.status_code == 200, answer.text
        assert (answer.json()["imported"], answer.json()["rejected"]) == (1, 3)
        assert [p["element"] for p in answer.json()["problems"]] == [1, 2, 3]
        assert "NUL" in answer.json()["problems"][2]["reason"]
        brackets = await h.client.post("/api/contacts", files={"file": ("c.json", b"[" * 100_000)})
        assert brackets.status_code == 200
        assert "nested too deeply" in brackets.json()["problems"][0]["reason"]
        big = b"phone,name\n905551000004," + b"x" * 140_000 + b"\n905551000005,ok\n"
        answer = await h.client.post("/api/contacts", files={"file": ("c.csv", big)})
        assert answer.status_code == 200 and answer.json()["rejected"] == 1
        assert "field limit" in answer.json()["problems"][0]["reason"]
        note_first = b'note,phone\n"two\nlines",905551000010\n"oops,905551000011\nz,905551000012\n'
        answer = await h.client.post("/api/contacts", files={"file": ("n.csv", note_first)})
        assert (answer.json()["imported"], answer.json()["rejected"]) == (2, 1)
        assert answer.json()["problems"][0]["line"] == 4
        stray = (FIXTURES / "stray_quote.csv").read_bytes()
        answer = await h.client.post("/api/contacts", files={"file": ("s.csv", stray)})
        counts = answer.json()
        written = counts["imported"] + counts["updated"] + counts["unchanged"]
        assert (written, counts["rejected"]) == (99, 1)
        listed = (await h.client.get("/api/contacts", params={"limit": 1000})).json()
        assert {"+905551000001", "+905551000002", "+905551000005"} <= {
            c["phone"] for c in listed["items"]
        }
