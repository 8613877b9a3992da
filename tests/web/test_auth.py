"""Auth: bearer token on the API, login session cookie for people, CSRF, failed-login limit."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from tests.web.api.harness import (
    TOKEN,
    ManualClock,
    app_settings,
    csrf_from_html,
    log_in,
    running_app,
    session_csrf,
)
from wabroadcast.app import create_app, startup_token_notice
from wabroadcast.config import Settings
from wabroadcast.web.auth import SESSION_COOKIE


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


PROTECTED = [
    ("GET", "/api/history", None),
    ("POST", "/api/send", {"template_name": "daily_offer", "limit": 1, "language_code": "tr"}),
    ("POST", "/api/check-duplicates", {"template_name": "x", "phone_numbers": ["905551234567"]}),
    ("GET", "/api/webhook-logs", None),
    ("GET", "/api/campaigns", None),
    ("POST", "/api/campaigns", {"template_name": "daily_offer", "limit": 1}),
    ("GET", "/api/campaigns/1", None),
    ("POST", "/api/campaigns/1/pause", None),
    ("GET", "/api/campaigns/1/sends.csv", None),
    ("GET", "/api/contacts", None),
    ("POST", "/api/contacts/1/opt-out", None),
    ("GET", "/api/templates", None),
    ("GET", "/api/stats", None),
    ("GET", "/api/session", None),
    ("GET", "/api/no-such-route", None),
]


@pytest.mark.anyio
async def test_every_api_route_needs_the_token(settings: Settings) -> None:
    async with running_app(app_settings(settings)) as h:
        for number, (method, path, body) in enumerate(PROTECTED):
            async with h.client_at(f"10.0.0.{number}") as anon:
                for headers in (
                    {},
                    {"Authorization": "Bearer wrong-token"},
                    {"Authorization": TOKEN},
                ):
                    answer = await anon.request(method, path, json=body, headers=headers)
                    assert answer.status_code == 401, (method, path, headers, answer.text)
                    assert answer.json()["error"]["code"] == "unauthorized"
                    assert answer.headers["www-authenticate"] == "Bearer"
            answer = await h.client.request(method, path, json=body)
            assert answer.status_code != 401, (method, path)


@pytest.mark.anyio
async def test_pages_redirect_to_login_and_public_paths_stay_open(settings: Settings) -> None:
    async with running_app(app_settings(settings)) as h:
        for path in ("/", "/campaigns", "/contacts?q=ali", "/docs", "/webhook-log", "/webhooks"):
            answer = await h.anon.get(path)
            assert answer.status_code == 303, path
            assert answer.headers["location"].startswith("/login?next=%2F")
        assert (await h.anon.get("/healthz")).json()["status"] == "ok"
        assert (await h.anon.get("/openapi.json")).status_code == 200
        # /webhook is public but checks Meta's signature itself
        unsigned = await h.anon.post("/webhook", content=b"{}")
        assert unsigned.status_code in (401, 403)
        assert (await h.anon.get("/login")).status_code == 200


@pytest.mark.anyio
async def test_login_sets_a_signed_httponly_cookie_and_csrf_guards_changes(
    settings: Settings,
) -> None:
    async with running_app(app_settings(settings)) as h:
        browser = h.anon
        page = await browser.get("/login?next=/api/stats")
        form_csrf = csrf_from_html(page.text)
        wrong = await browser.post("/login", data={"token": "nope", "csrf_token": form_csrf})
        assert wrong.status_code == 401
        assert SESSION_COOKIE not in _set_cookies(wrong)
        answer = await browser.post(
            "/login", data={"token": TOKEN, "csrf_token": form_csrf, "next": "/api/stats"}
        )
        assert answer.status_code == 303
        assert answer.headers["location"] == "/api/stats"
        cookie = _set_cookies(answer)[SESSION_COOKIE]
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie

        assert (await browser.get("/api/stats")).status_code == 200
        body = {"template_name": "daily_offer", "limit": 1}
        refused = await browser.post("/api/campaigns", json=body)
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "csrf_failed"
        forged = await browser.post("/api/campaigns", json=body, headers={"X-CSRF-Token": "x"})
        assert forged.status_code == 403
        csrf = await session_csrf(browser)
        accepted = await browser.post("/api/campaigns", json=body, headers={"X-CSRF-Token": csrf})
        assert accepted.status_code == 202, accepted.text
        # a form post may carry the token as the csrf_token field instead
        out = await browser.post("/logout", data={"csrf_token": csrf})
        assert out.status_code == 303
        assert "Max-Age=0" in _set_cookies(out)[SESSION_COOKIE]


@pytest.mark.anyio
async def test_login_form_needs_its_csrf_token_and_next_stays_on_site(settings: Settings) -> None:
    async with running_app(app_settings(settings)) as h:
        no_form = await h.anon.post("/login", data={"token": TOKEN})
        assert no_form.status_code == 403
        page = await h.anon.get("/login")
        answer = await h.anon.post(
            "/login",
            data={"token": TOKEN, "csrf_token": csrf_from_html(page.text), "next": "//evil.test"},
        )
        assert answer.status_code == 303
        assert answer.headers["location"] == "/"


@pytest.mark.anyio
async def test_logged_out_cookie_no_longer_works(settings: Settings) -> None:
    async with running_app(app_settings(settings)) as h:
        csrf = await log_in(h.anon)
        stolen = h.anon.cookies[SESSION_COOKIE]
        await h.anon.post("/logout", headers={"X-CSRF-Token": csrf})
        replay = await h.client.get(
            "/api/stats", headers={"Authorization": "", "Cookie": f"{SESSION_COOKIE}={stolen}"}
        )
        assert replay.status_code == 401


@pytest.mark.anyio
async def test_forged_or_foreign_cookies_are_refused(settings: Settings) -> None:
    async with running_app(app_settings(settings)) as h:
        await log_in(h.anon)
        good = h.anon.cookies[SESSION_COOKIE]
        payload, _, signature = good.partition(".")
        tampered = payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB") + "." + signature
        for value in (tampered, payload, "garbage", good + "x"):
            answer = await h.anon.get("/api/stats", headers={"Cookie": f"{SESSION_COOKIE}={value}"})
            assert answer.status_code == 401, value
    other = app_settings(settings, api_token=None)
    async with running_app(other) as h2:  # another token: another signing key
        answer = await h2.anon.get("/api/stats", headers={"Cookie": f"{SESSION_COOKIE}={good}"})
        assert answer.status_code == 401


@pytest.mark.anyio
async def test_cookie_is_secure_over_https(settings: Settings) -> None:
    async with running_app(app_settings(settings), base_url="https://panel.test") as h:
        page = await h.anon.get("/login")
        answer = await h.anon.post(
            "/login", data={"token": TOKEN, "csrf_token": csrf_from_html(page.text)}
        )
        assert "Secure" in _set_cookies(answer)[SESSION_COOKIE]


@pytest.mark.anyio
async def test_failed_logins_are_limited_but_the_right_token_still_logs_in(
    settings: Settings,
) -> None:
    clock = ManualClock()
    async with running_app(app_settings(settings), clock=clock) as h:
        page = await h.anon.get("/login")
        csrf = csrf_from_html(page.text)
        for _ in range(5):
            wrong = await h.anon.post("/login", data={"token": "guess", "csrf_token": csrf})
            assert wrong.status_code == 401
        blocked = await h.anon.post("/login", data={"token": "guess", "csrf_token": csrf})
        assert blocked.status_code == 429
        assert 'role="alert"' in blocked.text  # the page says why
        api = await h.anon.get("/api/stats", headers={"Authorization": "Bearer guess"})
        assert api.status_code == 429
        assert api.json()["error"]["code"] == "too_many_attempts"
        assert int(api.headers["retry-after"]) > 0
        # Someone else behind the same address (proxy, NAT) with the right token gets in.
        right = await h.anon.post("/login", data={"token": TOKEN, "csrf_token": csrf})
        assert right.status_code == 303
        bearer = await h.anon.get("/api/stats", headers={"Authorization": f"Bearer {TOKEN}"})
        assert bearer.status_code == 200
        # A success does not lift the limit on wrong guesses from the address.
        still = await h.anon.get("/api/stats", headers={"Authorization": "Bearer guess"})
        assert still.status_code == 429
        clock.advance(timedelta(minutes=15, seconds=1))
        later = await h.anon.get("/api/stats", headers={"Authorization": "Bearer guess"})
        assert later.status_code == 401


@pytest.mark.anyio
async def test_wrong_bearer_tokens_never_lock_out_the_right_one(settings: Settings) -> None:
    async with running_app(app_settings(settings)) as h:
        for _ in range(5):
            answer = await h.anon.get("/api/stats", headers={"Authorization": "Bearer guess"})
            assert answer.status_code == 401
        answer = await h.anon.get("/api/stats", headers={"Authorization": "Bearer guess"})
        assert answer.status_code == 429
        answer = await h.anon.get("/api/stats", headers={"Authorization": f"Bearer {TOKEN}"})
        assert answer.status_code == 200


@pytest.mark.anyio
async def test_generated_token_is_shown_once_and_works(settings: Settings) -> None:
    app = create_app(app_settings(settings, api_token=None))
    notice = startup_token_notice(app)
    assert notice is not None
    assert startup_token_notice(app) is None
    token = notice.split("is:\n", 1)[1].split()[0]
    assert len(token) >= 32
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        ok = await client.get("/api/stats", headers={"Authorization": f"Bearer {token}"})
        assert ok.status_code == 200, ok.text
    app.state.database.dispose()
    configured = create_app(app_settings(settings))
    assert startup_token_notice(configured) is None
    configured.state.database.dispose()


def _set_cookies(response: httpx.Response) -> dict[str, str]:
    cookies = {}
    for header in response.headers.get_list("set-cookie"):
        name = header.split("=", 1)[0]
        cookies[name] = header
    return cookies


@pytest.mark.anyio
async def test_form_posts_may_carry_the_csrf_token_as_a_field(settings: Settings) -> None:
    """The middleware reads the field, then hands the same body on (an upload still works)."""
    async with running_app(app_settings(settings)) as h:
        csrf = await log_in(h.anon)
        upload = {"file": ("c.csv", b"phone,name\n905551234567,Ayse\n", "text/csv")}
        refused = await h.anon.post("/api/contacts", files=upload, data={"csrf_token": "bad"})
        assert refused.status_code == 403
        answer = await h.anon.post("/api/contacts", files=upload, data={"csrf_token": csrf})
        assert answer.status_code == 200, answer.text
        assert answer.json()["imported"] == 1


@pytest.mark.anyio
async def test_untaken_notice_is_printed_once_at_startup_and_never_logged(
    settings: Settings, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    async with running_app(app_settings(settings, api_token=None), token=None) as h:
        token = h.app.state.auth.token
        ok = await h.anon.get("/api/stats", headers={"Authorization": f"Bearer {token}"})
        assert ok.status_code == 200
        assert startup_token_notice(h.app) is None
    printed = capsys.readouterr()
    assert printed.err.count(token) == 1
    assert token not in printed.out
    assert token not in caplog.text
    assert token not in repr(h.app.state.auth)
