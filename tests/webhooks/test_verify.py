from __future__ import annotations

import httpx
import pytest

from tests.webhooks.conftest import APP_SECRET, VERIFY_TOKEN, FixedClock, Hook, make_app
from wabroadcast.config import load_settings
from wabroadcast.storage.db import Database
from wabroadcast.webhooks.verify import SignatureCheck, check_signature, sign

pytestmark = pytest.mark.anyio


def test_signature_matches_only_the_exact_body_and_secret() -> None:
    body = b'{"object":"whatsapp_business_account","entry":[]}'
    header = sign(body, APP_SECRET)
    assert header.startswith("sha256=") and len(header) == 7 + 64
    assert check_signature(body, header, APP_SECRET) is SignatureCheck.VALID
    assert check_signature(body, header.upper().replace("SHA256=", "sha256="), APP_SECRET) is (
        SignatureCheck.VALID
    )
    assert check_signature(body + b" ", header, APP_SECRET) is SignatureCheck.INVALID
    assert check_signature(body, header, APP_SECRET + "x") is SignatureCheck.INVALID
    assert check_signature(body, header[7:], APP_SECRET) is SignatureCheck.INVALID
    assert check_signature(body, None, APP_SECRET) is SignatureCheck.MISSING
    assert check_signature(body, "", APP_SECRET) is SignatureCheck.MISSING


async def test_challenge_is_echoed_raw_for_the_right_token(hook: Hook) -> None:
    params = {
        "hub.mode": "subscribe",
        "hub.challenge": "1158201444",
        "hub.verify_token": VERIFY_TOKEN,
    }
    response = await hook.client.get("/webhook", params=params)
    assert response.status_code == 200
    assert response.text == "1158201444"
    assert response.headers["content-type"].startswith("text/plain")


@pytest.mark.parametrize(
    "params",
    [
        {"hub.mode": "subscribe", "hub.challenge": "1", "hub.verify_token": "wrong"},
        {"hub.mode": "subscribe", "hub.challenge": "1", "hub.verify_token": VERIFY_TOKEN + "x"},
        {"hub.mode": "unsubscribe", "hub.challenge": "1", "hub.verify_token": VERIFY_TOKEN},
        {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN},
        {"hub.mode": "subscribe", "hub.challenge": "1"},
        {},
    ],
)
async def test_challenge_refused(hook: Hook, params: dict[str, str]) -> None:
    response = await hook.client.get("/webhook", params=params)
    assert response.status_code == 403
    assert response.text != "1"


async def test_unset_verify_token_and_app_secret_refuse_everything(
    database_url: str, database: Database
) -> None:
    settings = load_settings({"DATABASE_URL": database_url}, env_file=None)
    app = make_app(settings, database, FixedClock())
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as client:
        hook = Hook(client, database)
        params = {"hub.mode": "subscribe", "hub.challenge": "42", "hub.verify_token": ""}
        assert (await client.get("/webhook", params=params)).status_code == 403
        response = await hook.post({"object": "whatsapp_business_account", "entry": []})
        assert response.status_code == 403
        assert "WHATSAPP_APP_SECRET" in response.json()["error"]
        assert hook.raw_count() == 0
