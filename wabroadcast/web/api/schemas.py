"""What the API accepts (``*Create`` / ``*Request``) and returns (``*Public``), apart from tables.

Routes never return ORM rows: a column added to a table must not silently appear in (or a
rename silently vanish from) the answers scripts depend on. The original tool's endpoints keep
their exact field names (``template_name``, ``language_code``, ``total_selected`` …).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, RootModel

TEMPLATE_NAME_PATTERN = r"^[a-z0-9_]+$"
"""Meta's rule for template names: lowercase letters, digits and underscores."""
NO_CONTROL_CHARACTERS = r"^[^\x00-\x1f\x7f]*$"
"""Free text that reaches SQL: PostgreSQL text cannot hold NUL, and no name has a newline."""


def template_name_field() -> Any:
    return Field(
        min_length=1,
        max_length=512,
        pattern=TEMPLATE_NAME_PATTERN,
        description="Template name, as approved (lowercase letters, digits, underscores).",
    )


LANGUAGE_PATTERN = r"^[A-Za-z]{2,3}([_-][A-Za-z0-9]{2,8})*$"


def language_field() -> Any:
    """Language codes are matched exactly by Meta (`en_US` is not `en`); default `tr`."""
    return Field(
        "tr",
        min_length=2,
        max_length=16,
        pattern=LANGUAGE_PATTERN,
        description="Template language code, exactly as approved (`tr`, `en_US`).",
    )


def limit_field() -> Any:
    return Field(ge=1, le=10_000_000, description="At most this many eligible contacts.")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- the original tool's endpoints -------------------------------------------------------


class SendRequest(Strict):
    """POST /api/send, as in the original tool."""

    model_config = ConfigDict(extra="ignore")  # the original ignored unknown fields

    template_name: str = template_name_field()
    limit: int = limit_field()
    language_code: str = language_field()


class SendResultItem(BaseModel):
    phone: str = Field(description="Digits only, with country code, as the original tool wrote.")
    status: str = Field(description="`success`, `failed` or `unknown` (outcome not known).")
    message_id: str | None = None
    error: str | None = None


class SendResponse(BaseModel):
    success: bool
    template: str
    total_selected: int
    total_eligible: int
    successful_sends: int
    failed_sends: int
    results: list[SendResultItem]
    campaign_id: int
    state: str = Field(description="Final campaign state: completed, aborted, paused, …")
    unknown_sends: int = 0
    held_back: int = Field(0, description="Left out by the daily recipient limit.")
    error: str | None = None


class History(RootModel[dict[str, list[str]]]):
    """{"template": ["905551234567", ...]}: accepted sends by template, as message_history.json."""


class CheckDuplicatesRequest(Strict):
    model_config = ConfigDict(extra="ignore")

    template_name: str = template_name_field()
    phone_numbers: list[str | int] = Field(max_length=100_000)


class DuplicateCheck(BaseModel):
    phone: str = Field(description="The number as given.")
    normalized: str | None = Field(None, description="E.164, or null when invalid.")
    valid: bool
    already_sent: bool = Field(description="The template was accepted for this number.")
    duplicate: bool = Field(
        description="The pair is taken (sent, failed or unknown): it will never be sent again."
    )
    state: str | None = None
    status: str | None = Field(None, description="Delivery status from webhooks.")
    sent_at: datetime | None = None
    campaign_id: int | None = None
    error: str | None = Field(None, description="Why the number is invalid.")


class CheckDuplicatesResponse(BaseModel):
    template: str
    total: int
    duplicates: int
    invalid: int
    duplicate_numbers: list[str]
    new_numbers: list[str]
    results: list[DuplicateCheck]


# --- campaigns ---------------------------------------------------------------------------


class CampaignCreate(Strict):
    template_name: str = template_name_field()
    language: str = language_field()
    limit: int = limit_field()


class CampaignCreated(BaseModel):
    id: int
    state: str
    url: str


class CampaignPublic(BaseModel):
    id: int
    template_name: str
    language: str
    state: str
    requested_limit: int
    eligible: int
    selected: int
    accepted: int
    failed: int
    failures: dict[str, int] = Field(description="Failed sends by reason.")
    unknown: int = Field(description="Outcome unknown: never re-sent automatically.")
    held_back: int = Field(description="Left out by the daily recipient limit.")
    delivered: int
    read: int
    replied: int
    error: str | None
    running_here: bool = Field(description="This server is running the campaign now.")
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    updated_at: datetime


class CampaignPage(BaseModel):
    items: list[CampaignPublic]
    total: int
    limit: int
    offset: int


# --- contacts ----------------------------------------------------------------------------


class ContactPublic(BaseModel):
    id: int
    phone: str
    name: str | None
    index: int | None
    attributes: dict[str, Any]
    wa_id: str | None
    opted_out: bool
    opted_out_at: datetime | None
    opt_out_reason: str | None
    unreachable_at: datetime | None
    unreachable_reason: str | None
    created_at: datetime
    updated_at: datetime


class ContactPage(BaseModel):
    items: list[ContactPublic]
    total: int
    limit: int
    offset: int


class ImportProblem(BaseModel):
    line: int | None = Field(description="1-based line of the file.")
    element: int | None = Field(None, description="1-based position in a JSON list.")
    reason: str
    value: str | None = None
    lost: bool = Field(True, description="False when the problem cost no row.")


class ImportReport(BaseModel):
    file: str
    imported: int
    updated: int
    unchanged: int
    rejected: int
    dry_run: bool = False
    problems: list[ImportProblem]
    problems_truncated: bool = False


# --- templates and stats -----------------------------------------------------------------


class TemplatePublic(BaseModel):
    id: int
    name: str
    language: str
    status: str
    category: str | None
    parameter_format: str | None
    components: list[Any]
    quality_score: str | None
    synced_at: datetime


class DayCounts(BaseModel):
    day: date
    sends: int = Field(description="Sends accepted by the Cloud API that day.")
    deliveries: int
    reads: int
    replies: int


class StatsPublic(BaseModel):
    contacts: int
    templates: int
    messages_sent: int
    opted_out: int
    days: list[DayCounts]
