"""The one ranking of delivery statuses that the webhook processor applies."""

from __future__ import annotations

from wabroadcast.domain.models import DELIVERY_RANK, DeliveryStatus


def test_delivery_rank_orders_sent_failed_delivered_read() -> None:
    """A failed message was never delivered, but a delivered or read report still stands."""
    ranked = sorted(DeliveryStatus, key=DELIVERY_RANK.__getitem__)
    assert ranked == [
        DeliveryStatus.SENT,
        DeliveryStatus.FAILED,
        DeliveryStatus.DELIVERED,
        DeliveryStatus.READ,
    ]


def test_plain_status_strings_from_payloads_find_their_rank() -> None:
    assert DELIVERY_RANK["failed"] == DELIVERY_RANK[DeliveryStatus.FAILED]
    assert DELIVERY_RANK["read"] > DELIVERY_RANK["delivered"] > DELIVERY_RANK["failed"] > 0
