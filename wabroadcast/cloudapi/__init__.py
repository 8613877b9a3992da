"""The WhatsApp Cloud API client and its one error table."""

from wabroadcast.cloudapi.client import SANDBOX_ACCESS_TOKEN, CloudAPIClient
from wabroadcast.cloudapi.errors import (
    CloudAPIError,
    GraphError,
    Outcome,
    UncertainError,
    classify,
    reason,
)
from wabroadcast.cloudapi.payloads import PhoneNumberInfo, SendResult, TemplateInfo
from wabroadcast.cloudapi.transport import default_http_client

__all__ = [
    "SANDBOX_ACCESS_TOKEN",
    "CloudAPIClient",
    "CloudAPIError",
    "GraphError",
    "Outcome",
    "PhoneNumberInfo",
    "SendResult",
    "TemplateInfo",
    "UncertainError",
    "classify",
    "default_http_client",
    "reason",
]
