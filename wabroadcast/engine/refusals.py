"""A request the engine turned down before writing anything, with the API's answer."""

from __future__ import annotations


class Refused(ValueError):
    """Nothing was created or changed; `field` names what was wrong (None: the request as a
    whole), `code` is the API's error code and `status` its HTTP status (404, 409 or 422)."""

    def __init__(self, message: str, *, field: str | None, code: str, status: int) -> None:
        super().__init__(message)
        self.field = field
        self.code = code
        self.status = status
