"""Page numbers from the query string: lists never render more than one page of rows."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from fastapi import HTTPException, Request

PER_PAGE = 50
MAX_PAGE = 2_000_000
"""100,000,000 rows at 50 a page: any larger page number is a typo or an attack."""


def page_number(request: Request) -> int:
    """`?page=` as a positive int; garbage means page 1; beyond MAX_PAGE is a 400."""
    raw = request.query_params.get("page", "1")
    digits = raw.strip().lstrip("+")
    if digits.isdecimal() and (len(digits) > len(str(MAX_PAGE)) or int(digits) > MAX_PAGE):
        raise HTTPException(400, f"page must be between 1 and {MAX_PAGE:,}")
    try:
        return max(1, int(raw))
    except ValueError:
        return 1


MAX_ID = 2**63 - 1
"""Ids are BIGINT: a larger ``before_id`` cannot name a row (PostgreSQL would refuse it)."""


def before_id(request: Request) -> int | None:
    """`?before_id=` for keyset pages: garbage means the newest page; beyond MAX_ID is a 400."""
    raw = request.query_params.get("before_id", "").strip()
    if not (raw.isascii() and raw.isdecimal()):
        return None
    if len(raw) > len(str(MAX_ID)) or int(raw) > MAX_ID:
        raise HTTPException(400, f"before_id must be between 1 and {MAX_ID:,}")
    return int(raw) or None


@dataclass(frozen=True)
class Pager:
    path: str
    params: tuple[tuple[str, str], ...]
    page: int
    total: int
    per_page: int = PER_PAGE

    @classmethod
    def from_request(cls, request: Request, total: int, per_page: int = PER_PAGE) -> Pager:
        params = tuple(
            (k, v) for k, v in request.query_params.multi_items() if k not in {"page", "lang"}
        )
        return cls(request.url.path, params, page_number(request), total, per_page)

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    def url(self, page: int) -> str:
        return self.path + "?" + urlencode((*self.params, ("page", str(page))))
