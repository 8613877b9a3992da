"""The engine's boundary: what it needs from a Cloud API client, and what it reports."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from wabroadcast.cloudapi.marketing import MarketingOptions


class AcceptedMessage(Protocol):
    @property
    def message_id(self) -> str: ...

    @property
    def wa_id(self) -> str | None: ...

    @property
    def held(self) -> bool:
        """Held for a quality assessment (a template under pacing), not passed on yet."""
        ...


class TemplateSender(Protocol):
    """What the engine needs from the Cloud API client (CloudAPIClient satisfies it).

    `to` is the contact's phone, or its BSUID when it has none (sent as `recipient`)."""

    async def send_template(
        self,
        to: str,
        template: str,
        language: str,
        components: Any = None,
        callback_data: str | None = None,
        *,
        marketing: MarketingOptions | None = None,
    ) -> AcceptedMessage: ...


class LeaseWatch(Protocol):
    """The number's sending lease (engine/lease.py): calls back when another process took it."""

    def on_lost(self, callback: Callable[[], None]) -> None: ...


@dataclass(frozen=True)
class RunProgress:
    """Counts of this run so far, for progress bars."""

    selected: int
    accepted: int
    failed: int
    unknown: int
    errors: int
    in_flight: int


def callback_data(send_id: int, campaign_id: int) -> str:
    """biz_opaque_callback_data: Meta echoes it in status webhooks, so a send whose HTTP answer
    was lost (state `unknown`) can still be matched to its message id."""
    return f"s={send_id};c={campaign_id}"
