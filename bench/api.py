"""What the benchmarks ask of a running `wabroadcast serve` over its HTTP API."""

from __future__ import annotations

import httpx


def post_campaign(http: httpx.Client, limit: int, phone_number_id: str | None = None) -> int:
    """Start a daily_offer/tr campaign as a user would; its id, or exit saying why not."""
    body: dict[str, object] = {"template_name": "daily_offer", "language": "tr", "limit": limit}
    if phone_number_id is not None:
        body["phone_number_id"] = phone_number_id
    response = http.post("/api/campaigns", json=body)
    if response.status_code != 202:
        raise SystemExit(f"campaign not started ({response.status_code}): {response.text}")
    return int(response.json()["id"])
