"""The fixed sets of states, defined once for the database, the API, the CLI and the panel."""

from __future__ import annotations

from enum import StrEnum


class CampaignState(StrEnum):
    RUNNING = "running"
    PAUSED = "paused"
    CANCELLED = "cancelled"
    COMPLETED = "completed"
    ABORTED = "aborted"


class SendState(StrEnum):
    """Our side of a send. A released pair has no row at all."""

    CLAIMED = "claimed"  # committed before the request; nothing known yet
    ACCEPTED = "accepted"  # HTTP 200 with a message id
    FAILED = "failed"  # a permanent per-recipient error; the pair stays taken
    UNKNOWN = "unknown"  # the request may or may not have reached Meta; never re-sent
    DEFERRED = "deferred"  # Meta held it back (131049 marketing cap); retried after a wait


class DeliveryStatus(StrEnum):
    """Meta's side, from status webhooks."""

    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"
    FAILED = "failed"


DELIVERY_RANK: dict[str, int] = {
    DeliveryStatus.SENT: 1,
    DeliveryStatus.FAILED: 2,
    DeliveryStatus.DELIVERED: 3,
    DeliveryStatus.READ: 4,
}
"""A send's delivery status only moves up this ranking (sent < failed < delivered < read).

Webhooks arrive out of order and `delivered` may be skipped; a failed message was never
delivered, but if Meta did report delivered or read, that stands. Keys are StrEnum members,
so plain status strings from payloads look up the same entries."""
