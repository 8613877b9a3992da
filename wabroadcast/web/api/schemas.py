"""What the API accepts (``*Create`` / ``*Request``) and returns (``*Public``), apart from tables.

Routes never return ORM rows: a column added to a table must not silently appear in (or a
rename silently vanish from) the answers scripts depend on. The original tool's endpoints keep
their exact field names (``template_name``, ``language_code``, ``total_selected`` …).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, RootModel

from wabroadcast.engine.manager import MAX_CAMPAIGN_LIMIT, limit_problem
from wabroadcast.schedules.store import MAX_DAILY_COUNT
from wabroadcast.web.api.audience_schemas import AudienceIn
from wabroadcast.web.costs import CostPublic, DayCost

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


def _campaign_limit(value: int) -> int:
    problem = limit_problem(value)
    if problem is not None:
        raise ValueError(problem)
    return value


CampaignLimit = Annotated[int, AfterValidator(_campaign_limit)]
"""A campaign's limit, refused with the campaign manager's sentence (as the panel and the CLI
refuse it); the bounds are still in the OpenAPI schema."""


def limit_field() -> Any:
    return Field(
        description="At most this many eligible contacts.",
        json_schema_extra={"minimum": 1, "maximum": MAX_CAMPAIGN_LIMIT},
    )


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- the original tool's endpoints -------------------------------------------------------


class SendRequest(Strict):
    """POST /api/send, as in the original tool."""

    model_config = ConfigDict(extra="ignore")  # the original ignored unknown fields

    template_name: str = template_name_field()
    limit: CampaignLimit = limit_field()
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


MAX_PHONES_PER_CALL = 100_000
"""Phone numbers one POST /api/check-duplicates may ask about; more is a 413."""


class CheckDuplicatesRequest(Strict):
    model_config = ConfigDict(extra="ignore")

    template_name: str = template_name_field()
    phone_numbers: list[str | int] = Field(
        description=f"At most {MAX_PHONES_PER_CALL:,} numbers per call; more is a 413."
    )


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
    limit: CampaignLimit = limit_field()
    phone_number_id: str | None = Field(
        None, max_length=64, description="A configured number; default PHONE_NUMBER_ID."
    )
    audience: AudienceIn | None = Field(
        None, description="Who it is for (tags, conditions, excludes); default every contact."
    )
    parameters: dict[str, Any] | None = Field(
        None,
        description="Where each template variable comes from (body, header, buttons; "
        "docs/templates.md); checked against the template before anyone is claimed.",
    )


class RetargetCreate(Strict):
    template: str = template_name_field()
    language: str | None = Field(
        None, max_length=16, description="The template's language; default the campaign's."
    )
    when: Literal["not-read", "not-replied"] = Field(
        description="Take the campaign's contacts who did not read its send, or did not reply."
    )
    after_days: int = Field(
        description="Only sends accepted at least this many days ago (1 to 90)."
    )
    limit: CampaignLimit | None = Field(
        None, description="At most this many contacts; default every one eligible now."
    )


class RetargetPublic(BaseModel):
    of_campaign_id: int = Field(description="The campaign whose contacts it retargets.")
    when: str = Field(description="not-read or not-replied.")
    after_days: int


class CampaignAbTestPublic(BaseModel):
    id: int = Field(description="The A/B test (GET /api/ab-tests/{id}).")
    variant: str = Field(description="A, B, … or winner (the rest).")


class CampaignCreated(BaseModel):
    id: int
    state: str
    url: str


class CampaignPublic(BaseModel):
    id: int
    template_name: str
    language: str
    state: str = Field(
        description="running (being sent now), waiting (should be sent, but nothing sends it "
        "yet: see waiting_for), paused, completed, cancelled or aborted."
    )
    waiting_for: str | None = Field(
        None, description="When waiting: why, e.g. which campaign and process hold the number."
    )
    requested_limit: int
    eligible: int
    selected: int
    accepted: int
    failed: int = Field(
        description="Refused at send time plus reported failed later by a status webhook "
        "(131026, 131049, …); the same number as `campaign show` and the panel."
    )
    failed_at_send: int = Field(description="Of `failed`, those the Cloud API refused at once.")
    failures: dict[str, int] = Field(
        description="Failed sends by reason, at send time and from status webhooks."
    )
    unknown: int = Field(description="Outcome unknown: never re-sent automatically.")
    held_back: int = Field(description="Left out by the daily recipient limit.")
    deferred: int = Field(
        0,
        description="Not delivered by Meta with 131049 (per-user marketing cap) and waiting "
        "for their automatic retry (RETRY_131049_AFTER_HOURS, RETRY_131049_MAX).",
    )
    retried: int = Field(0, description="Retries of deferred sends made so far.")
    skipped_us: int | None = Field(
        None,
        description="MARKETING templates only (null otherwise, and in lists): US (+1) contacts "
        "left out because Meta does not deliver marketing templates to US numbers (since "
        "2025-04-01); 0 when MARKETING_TO_US=true sends to them. Counted when asked.",
    )
    endpoints: dict[str, int] | None = Field(
        None,
        description="Accepted sends per Cloud API endpoint: `messages` or `marketing_messages` "
        "(the Marketing Messages API, MARKETING_MESSAGES_API). Null in lists.",
    )
    delivered: int
    read: int
    replied: int
    held: int = Field(
        0,
        description="Held by Meta now: the template is under pacing and the send answer said "
        "held_for_quality_assessment; no status has come yet.",
    )
    held_total: int = Field(0, description="Sends Meta held at first, whatever came after.")
    held_released: int = Field(0, description="Of held_total, sent on later by Meta.")
    held_dropped: int = Field(
        0, description="Of held_total, dropped: failed (132015 when Meta paused the template)."
    )
    error: str | None
    note: str | None = Field(
        None,
        description="What the last run wants known that is not an error, e.g. that it fell back "
        "from the Marketing Messages API to /messages and why.",
    )
    running_here: bool = Field(description="This server is running the campaign now.")
    retry_of_campaign_id: int | None = Field(
        None, description="A retry-failed follow-up: the campaign whose releases it retries."
    )
    parameters: dict[str, Any] = Field(
        default_factory=dict, description="Where each template variable comes from; {}: none."
    )
    retarget: RetargetPublic | None = Field(
        None, description="A retarget: of which campaign, for whom, after how many days."
    )
    audience: AudienceIn | None = Field(None, description="Who it is for; null: every contact.")
    ab_test: CampaignAbTestPublic | None = Field(
        None, description="A campaign of an A/B test: which test, which variant."
    )
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    updated_at: datetime
    cost: CostPublic | None = Field(
        None,
        description="What Meta charged, from the pricing on status webhooks, priced with the "
        "rate card (one campaign only; null in lists).",
    )


class CampaignPage(BaseModel):
    items: list[CampaignPublic]
    total: int
    limit: int
    offset: int


# --- contacts ----------------------------------------------------------------------------


class ContactPublic(BaseModel):
    id: int
    phone: str | None
    """None for a contact known only by its BSUID (a user with a username)."""
    name: str | None
    index: int | None
    attributes: dict[str, Any]
    wa_id: str | None
    user_id: str | None
    """The business-scoped user id (BSUID) Meta uses now; `?q=` finds earlier ones too."""
    opted_out: bool
    opted_out_at: datetime | None
    opt_out_reason: str | None
    unreachable_at: datetime | None
    unreachable_reason: str | None
    tags: list[str] = Field(default_factory=list)
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


class TemplateCategoryChange(BaseModel):
    """Meta's last ``template_category_update`` for the template (docs/webhooks.md)."""

    previous_category: str | None
    new_category: str | None
    changed_at: datetime | None
    correct_category: str | None = Field(
        description="An announced recategorisation that has not happened yet."
    )
    takes_effect_at: datetime | None


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
    category_change: TemplateCategoryChange | None = None


class NumberLimitsPublic(BaseModel):
    """A business number's send rate and daily recipient limit, and where each came from."""

    phone_number_id: str
    display_number: str | None
    send_rate: float
    rate_source: str = Field(description="SEND_RATE, PHONE_NUMBERS, or the webhook and its time.")
    daily_limit: int | None = Field(description="None: unlimited, or read when a run starts.")
    daily_source: str
    quality_event: str | None = Field(description="Last phone_number_quality_update event.")
    quality_at: datetime | None


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
    cost_days: list[DayCost] = Field(
        default_factory=list, description="Charged cost per UTC day, the same days as `days`."
    )


class TemplateRates(BaseModel):
    delivered: float = Field(description="Share of `sent` delivered (0 to 1).")
    read: float
    replied: float


class TemplateDayRates(BaseModel):
    """A cohort: the sends of `template` Meta accepted on UTC day `day`, and what became of
    them so far (a later status raises this day's numbers, not the day it arrived)."""

    template: str
    day: date
    sent: int = Field(description="Sends of the template the Cloud API accepted that day.")
    delivered: int
    read: int
    replied: int = Field(description="Of those sends, how many got a reply.")
    rates: TemplateRates


class TemplateRatesPublic(BaseModel):
    days: int
    items: list[TemplateDayRates] = Field(
        description="By template name, then day; days without a send of the template are left out."
    )


class TemplateSyncResult(BaseModel):
    """What POST /api/templates/sync changed (the same numbers as `wabroadcast templates sync`)."""

    total: int = Field(description="Name and language pairs listed by the WABA (every status).")
    names: int = Field(description="Distinct template names listed (the overview's count).")
    added: int
    updated: int
    unchanged: int
    gone: int = Field(description="No longer listed by the WABA: marked DELETED.")


# --- schedules ---------------------------------------------------------------------------

HHMM_PATTERN = r"^([01]?\d|2[0-3]):[0-5]\d$"


class ScheduleCreate(Strict):
    """A daily drip: `template_name` to the next `daily_count` contacts every day."""

    template_name: str = template_name_field()
    language: str = language_field()
    daily_count: int = Field(ge=1, le=MAX_DAILY_COUNT, description="Contacts per day, e.g. 225.")
    time_of_day: str = Field(pattern=HHMM_PATTERN, description="Local start time, HH:MM.")
    time_zone: str = Field(
        min_length=1,
        max_length=64,
        pattern=NO_CONTROL_CHARACTERS,
        description="IANA time zone of `time_of_day`, e.g. Europe/Istanbul.",
    )
    window_start: str | None = Field(
        None, pattern=HHMM_PATTERN, description="Sending window start, HH:MM (with window_end)."
    )
    window_end: str | None = Field(None, pattern=HHMM_PATTERN, description="Window end, HH:MM.")
    window_time_zone: str | None = Field(
        None,
        max_length=64,
        pattern=NO_CONTROL_CHARACTERS,
        description="Time zone of the window (default: time_zone).",
    )
    parameters: dict[str, Any] | None = Field(
        None, description="Template parameters, as campaigns take them (docs/templates.md)."
    )
    audience: AudienceIn | None = Field(
        None, description="Each day's campaign takes this audience; default every contact."
    )


class ScheduleRunPublic(BaseModel):
    run_date: date = Field(description="The local day (in the schedule's time zone).")
    state: str = Field(description="claimed, running, waiting, done, skipped or failed.")
    campaign_id: int | None
    note: str | None


class SchedulePublic(BaseModel):
    id: int
    template_name: str
    language: str
    daily_count: int
    time_of_day: str
    time_zone: str
    window_start: str | None
    window_end: str | None
    window_time_zone: str | None
    parameters: dict[str, Any]
    audience: AudienceIn | None = None
    state: str = Field(description="active, paused or finished.")
    next_run_at: datetime | None
    last_run_on: date | None
    eligible: int = Field(description="Contacts that have not had the template yet.")
    days_remaining: int = Field(description="ceil(eligible / daily_count).")
    finish_on: date | None = Field(description="Local date of the last run, if active.")
    notes: list[str] = Field(description="Dated notes: created, paused, days missed …")
    created_at: datetime
    updated_at: datetime


class ScheduleDetail(SchedulePublic):
    runs: list[ScheduleRunPublic] = Field(description="One per local day so far, oldest first.")
