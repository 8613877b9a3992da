"""Webhook receiver: verified delivery tracking, replies and opt-outs."""

from wabroadcast.webhooks.apply import WebhookRules
from wabroadcast.webhooks.processing import process_event, process_pending, prune_webhook_log
from wabroadcast.webhooks.routes import build_webhook_router
from wabroadcast.webhooks.verify import sign

__all__ = [
    "WebhookRules",
    "build_webhook_router",
    "process_event",
    "process_pending",
    "prune_webhook_log",
    "sign",
]
