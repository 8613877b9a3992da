"""Access-log lines never carry a secret from the query string.

Meta's verification request is `GET /webhook?hub.verify_token=<VERIFY_TOKEN>&…`, and a client
may put a token in `?token=`; uvicorn logs the full path. :class:`SecretQueryFilter` rewrites
the logged path so such values show as `****`.
"""

from __future__ import annotations

import logging
import re

SECRET_PARAMETER = re.compile(
    r"(?P<name>(?:^|[?&;])[^=&;#]*(?:token|secret|password|key)[^=&;#]*=)(?P<value>[^&;#]*)",
    re.IGNORECASE,
)
ACCESS_LOGGER = "uvicorn.access"


def mask_query(path: str) -> str:
    """`/webhook?hub.verify_token=abc&hub.challenge=1` → `/webhook?hub.verify_token=****&…`."""
    base, sep, query = path.partition("?")
    if not sep:
        return path
    return base + "?" + SECRET_PARAMETER.sub(_masked, query)


def _masked(match: re.Match[str]) -> str:
    return match.group("name") + ("****" if match.group("value") else "")


class SecretQueryFilter(logging.Filter):
    """For uvicorn's access records, whose arguments are (client, method, path, version, status)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], mask_query(args[2]), *args[3:])
        return True


def install_access_log_filter() -> None:
    """Once per process (installing it twice is harmless but not repeated)."""
    logger = logging.getLogger(ACCESS_LOGGER)
    if not any(isinstance(existing, SecretQueryFilter) for existing in logger.filters):
        logger.addFilter(SecretQueryFilter())
