"""Settings: read once from the environment (and a `.env` file), then passed explicitly.

Nothing in the package reads ``os.environ`` at import time; ``load_settings`` is called by the
CLI or by a test fixture and the result is handed to whatever needs it.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from dotenv import dotenv_values
from pydantic import (
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

REAL_GRAPH_API_URL = "https://graph.facebook.com"
DEFAULT_DATABASE_URL = "sqlite:///wabroadcast.db"
NEW_PORTFOLIO_DAILY_LIMIT = 250
"""Unique recipients per rolling 24 h of a new business portfolio since 2025-10-07."""

_PLACEHOLDER = re.compile(
    r"^(your[_\- ].*|.*_here|changeme|change[_\-]?this|placeholder|x{3,}|<.*>|\.\.\.|todo)$",
    re.IGNORECASE,
)
SECRET_FIELDS = ("whatsapp_access_token", "verify_token", "whatsapp_app_secret", "api_token")
MIN_API_TOKEN_LENGTH = 24
"""A shorter WABROADCAST_API_TOKEN is refused: it guards the panel and every API call."""


# PHONE_NUMBERS is parsed here so that a malformed entry is refused with the other settings;
# business_numbers.py gives the engine its per-number view.
MAX_RATE = 1000.0


@dataclass(frozen=True)
class PhoneNumber:
    phone_number_id: str
    send_rate: float
    daily_limit: int | None
    rate_configured: bool = False
    """The rate was written in PHONE_NUMBERS (`id:20`, e.g. a coexistence number at Meta's
    fixed 20 msg/s): account webhooks never raise it (engine/number_limits.py)."""


def parse_phone_numbers(
    text: str | None, *, default_id: str, default_rate: float, default_limit: int | None
) -> dict[str, PhoneNumber]:
    """The configured numbers by id; PHONE_NUMBER_ID is always one of them.

    Raises ValueError naming the bad entry (its position and text) when one is malformed.
    """
    numbers: dict[str, PhoneNumber] = {}
    entries = [part.strip() for part in (text or "").split(",")]
    for position, entry in enumerate(entries, start=1):
        if not entry:
            continue
        number = _parse_entry(entry, position, default_rate, default_limit)
        if number.phone_number_id in numbers:
            raise ValueError(f"entry {position} {entry!r}: phone number id listed twice")
        numbers[number.phone_number_id] = number
    if default_id not in numbers:
        numbers = {default_id: PhoneNumber(default_id, default_rate, default_limit), **numbers}
    return numbers


def _parse_entry(
    entry: str, position: int, default_rate: float, default_limit: int | None
) -> PhoneNumber:
    parts = [p.strip() for p in entry.split(":")]
    where = f"entry {position} {entry!r}"
    if len(parts) > 3 or not parts[0].isdigit():
        raise ValueError(f"{where}: expected id[:rate[:daily_limit]] with a numeric id")
    rate = default_rate
    if len(parts) > 1 and parts[1]:
        try:
            rate = float(parts[1])
        except ValueError:
            raise ValueError(f"{where}: rate {parts[1]!r} is not a number") from None
        if not 0 < rate <= MAX_RATE:
            raise ValueError(f"{where}: rate must be above 0 and at most {MAX_RATE:g}")
    limit = default_limit
    if len(parts) > 2 and parts[2]:
        if not parts[2].isdigit() or int(parts[2]) < 1:
            raise ValueError(f"{where}: daily_limit must be a whole number of at least 1")
        limit = int(parts[2])
    configured = len(parts) > 1 and bool(parts[1])
    return PhoneNumber(parts[0], rate, limit, rate_configured=configured)


class SettingsError(ValueError):
    """The configuration is unusable; the message says which setting and why."""


class Settings(BaseSettings):
    """Every setting of wabroadcast. Field aliases are the environment variable names."""

    model_config = SettingsConfigDict(populate_by_name=True, extra="ignore", frozen=True)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Only what load_settings passes in: the environment is read there, once, not here."""
        return (init_settings,)

    whatsapp_access_token: SecretStr | None = Field(
        None,
        alias="WHATSAPP_ACCESS_TOKEN",
        description="Cloud API access token (system-user token). Unset: sandbox mode.",
    )
    phone_number_id: str = Field(
        "106540352242922",
        alias="PHONE_NUMBER_ID",
        description="The sending business phone number's id (not the number itself).",
    )
    verify_token: SecretStr | None = Field(
        None,
        alias="VERIFY_TOKEN",
        description="Token Meta echoes when it verifies the webhook URL.",
    )
    whatsapp_app_secret: SecretStr | None = Field(
        None,
        alias="WHATSAPP_APP_SECRET",
        description="App secret; webhook bodies are signed with it (X-Hub-Signature-256).",
    )
    waba_id: str = Field(
        "102290129340398",
        alias="WABA_ID",
        description="WhatsApp Business Account id, owner of the templates.",
    )
    graph_api_url: str = Field(
        REAL_GRAPH_API_URL,
        alias="GRAPH_API_URL",
        description="Base URL of the Graph API; point it at the simulator to test.",
    )
    graph_api_version: str = Field(
        "v25.0", alias="GRAPH_API_VERSION", description="Pinned Graph API version."
    )
    database_url: str = Field(
        DEFAULT_DATABASE_URL,
        alias="DATABASE_URL",
        description="SQLAlchemy URL: sqlite:///file.db or postgresql+psycopg://user@host/db.",
    )
    api_token: SecretStr | None = Field(
        None,
        alias="WABROADCAST_API_TOKEN",
        description="Secret guarding the panel and the HTTP API. Unset: generated at start-up.",
    )
    send_rate: float = Field(
        80.0,
        alias="SEND_RATE",
        gt=0,
        le=1000,
        description="Messages per second for the phone number (Cloud API default 80).",
    )
    max_send_rate: float | None = Field(
        None,
        alias="MAX_SEND_RATE",
        gt=0,
        le=1000,
        description=(
            "Highest rate a THROUGHPUT_UPGRADE webhook may raise a number to. Unset: Meta's "
            "level (1,000 msg/s). Rates written in PHONE_NUMBERS are never raised."
        ),
    )
    daily_recipient_limit: int | None = Field(
        None,
        alias="DAILY_RECIPIENT_LIMIT",
        ge=1,
        description=(
            "Unique recipients per rolling 24 h. Unset: read from the number's messaging "
            "limit, else 250."
        ),
    )
    phone_numbers: str | None = Field(
        None,
        alias="PHONE_NUMBERS",
        description=(
            "More sending numbers: comma list of id[:rate[:daily_limit]]; PHONE_NUMBER_ID is "
            "always included. Unset: only PHONE_NUMBER_ID."
        ),
    )
    marketing_to_us: bool = Field(
        False,
        alias="MARKETING_TO_US",
        description=(
            "Send MARKETING templates to US (+1) numbers too. Off: they are skipped, since Meta "
            "has not delivered them since 2025-04-01 (131049)."
        ),
    )
    retry_131049_after_hours: float = Field(
        24.0,
        alias="RETRY_131049_AFTER_HOURS",
        ge=24,
        le=24 * 30,
        description=(
            "Hours after a 131049 (per-user marketing cap) before the send is retried; Meta "
            "asks for at least 24."
        ),
    )
    retry_131049_max: int = Field(
        3,
        alias="RETRY_131049_MAX",
        ge=0,
        le=10,
        description="Retries of a send deferred by 131049 before it fails for good; 0: none.",
    )
    marketing_messages_api: Literal["off", "prefer", "only"] = Field(
        "off",
        alias="MARKETING_MESSAGES_API",
        description=(
            "Route MARKETING templates to the Marketing Messages API (/marketing_messages): "
            "off, prefer (fall back to /messages when the portfolio has not accepted its "
            "terms) or only (pause instead). Other categories always use /messages."
        ),
    )
    marketing_messages_product_policy: Literal["CLOUD_API_FALLBACK", "STRICT"] = Field(
        "CLOUD_API_FALLBACK",
        alias="MARKETING_MESSAGES_PRODUCT_POLICY",
        description=(
            "product_policy of Marketing Messages API sends: CLOUD_API_FALLBACK (Meta may "
            "deliver through the Cloud API instead) or STRICT (Meta refuses instead)."
        ),
    )
    marketing_messages_activity_sharing: bool | None = Field(
        None,
        alias="MARKETING_MESSAGES_ACTIVITY_SHARING",
        description=(
            "message_activity_sharing of Marketing Messages API sends. Unset: the field is "
            "left out and the portfolio's own setting applies."
        ),
    )
    rate_card: str | None = Field(
        None,
        alias="RATE_CARD",
        description=(
            "Path of a rate card (CSV or JSON: calling code × category → price) for cost "
            "estimates and charged costs. Unset: the shipped example card."
        ),
    )
    sender_lease_seconds: float = Field(
        10.0,
        alias="SENDER_LEASE_SECONDS",
        ge=0.5,
        le=300,
        description="Lifetime of a number's sending lease; a dead sender is replaced after it.",
    )
    default_region: str = Field(
        "TR",
        alias="DEFAULT_REGION",
        min_length=2,
        max_length=2,
        description="Region for numbers written without a country code (ISO 3166 alpha-2).",
    )
    opt_out_keywords: str = Field(
        "STOP,DUR,İPTAL,UNSUBSCRIBE,ABONELIK IPTAL",
        alias="OPT_OUT_KEYWORDS",
        description="Comma-separated replies that opt a contact out (whole message, any case).",
    )
    opt_in_keywords: str = Field(
        "START,BASLA,BAŞLA",
        alias="OPT_IN_KEYWORDS",
        description="Comma-separated replies that opt a contact back in.",
    )
    reply_window_hours: float = Field(
        72.0,
        alias="REPLY_WINDOW_HOURS",
        gt=0,
        description="A reply counts for the most recent send to that contact within this window.",
    )
    webhook_log_retention_days: int = Field(
        30,
        alias="WEBHOOK_LOG_RETENTION_DAYS",
        ge=1,
        description="Processed raw webhook bodies older than this are deleted; facts stay.",
    )
    webhook_max_body_bytes: int = Field(
        4 * 1024 * 1024,
        alias="WEBHOOK_MAX_BODY_BYTES",
        ge=1024,
        description="Largest webhook body accepted (Meta sends at most 3 MB).",
    )
    max_body_bytes: int = Field(
        5 * 1024 * 1024,
        alias="MAX_BODY_BYTES",
        ge=1024,
        description="Largest JSON or form request body (API and panel); larger ones get 413.",
    )
    max_upload_bytes: int = Field(
        512 * 1024 * 1024,
        alias="MAX_UPLOAD_BYTES",
        ge=1024,
        description="Largest contact file upload (POST /api/contacts, the panel's import).",
    )
    host: str = Field("127.0.0.1", alias="HOST", description="Address the server binds to.")
    port: int = Field(5005, alias="PORT", ge=1, le=65535, description="Server port.")
    access_log: bool = Field(
        True,
        alias="ACCESS_LOG",
        description=(
            "One log line per HTTP request (tokens in query strings masked). At a thousand "
            "webhooks a second it took 7% of serve's profile samples; a proxy may log instead."
        ),
    )
    forwarded_allow_ips: str = Field(
        "127.0.0.1",
        alias="FORWARDED_ALLOW_IPS",
        description=(
            "Comma-separated proxy addresses (or networks) whose X-Forwarded-For is trusted "
            "for the client address; '*' trusts every peer. Default: loopback only."
        ),
    )

    @field_validator("marketing_messages_api", "marketing_messages_product_policy", mode="before")
    @classmethod
    def _route_words(cls, value: Any, info: ValidationInfo) -> Any:
        """`Prefer`, `strict`: the words are matched without regard to case."""
        if not isinstance(value, str):
            return value
        value = value.strip()
        return value.lower() if info.field_name == "marketing_messages_api" else value.upper()

    @field_validator("graph_api_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @field_validator("default_region")
    @classmethod
    def _upper_region(cls, value: str) -> str:
        return value.upper()

    @field_validator("database_url")
    @classmethod
    def _psycopg_driver(cls, value: str) -> str:
        for prefix in ("postgresql://", "postgres://"):
            if value.startswith(prefix):
                return "postgresql+psycopg://" + value[len(prefix) :]
        return value

    @model_validator(mode="after")
    def _check_phone_numbers(self) -> Settings:
        parse_phone_numbers(  # ValueError names the bad PHONE_NUMBERS entry
            self.phone_numbers,
            default_id=self.phone_number_id,
            default_rate=self.send_rate,
            default_limit=self.daily_recipient_limit,
        )
        return self

    @field_validator("api_token")
    @classmethod
    def _strong_api_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < MIN_API_TOKEN_LENGTH:
            raise ValueError(
                f"is {len(value.get_secret_value())} characters long; use at least "
                f"{MIN_API_TOKEN_LENGTH} (for example the output of "
                "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`), or unset it "
                "to get a generated token at start-up"
            )
        return value

    @field_validator("forwarded_allow_ips")
    @classmethod
    def _check_forwarded(cls, value: str) -> str:
        entries = [entry.strip() for entry in value.split(",") if entry.strip()]
        for entry in entries:
            if entry == "*" or entry.startswith("unix:"):
                continue
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(f"{entry!r} is not an IP address or network") from None
        return ",".join(entries) or "127.0.0.1"

    @model_validator(mode="after")
    def _refuse_placeholders(self) -> Settings:
        """Refuse `your_actual_access_token` and friends when talking to the real Graph API."""
        if not self.talks_to_meta:
            return self
        for name in SECRET_FIELDS + ("phone_number_id", "waba_id"):
            value = getattr(self, name)
            text = value.get_secret_value() if isinstance(value, SecretStr) else value
            if text and _PLACEHOLDER.match(text.strip()):
                env = type(self).model_fields[name].alias
                raise ValueError(
                    f"{env} still holds a placeholder value; set the real value from Meta's "
                    "App Dashboard, or unset WHATSAPP_ACCESS_TOKEN to use the built-in simulator"
                )
        return self

    @property
    def sandbox(self) -> bool:
        """No access token: run against the built-in simulator."""
        return self.whatsapp_access_token is None

    @property
    def talks_to_meta(self) -> bool:
        host = urlsplit(self.graph_api_url).hostname or ""
        return self.whatsapp_access_token is not None and host.endswith("facebook.com")

    def masked(self) -> dict[str, str]:
        """Effective settings by environment name, every secret masked."""
        out: dict[str, str] = {}
        for name, field in type(self).model_fields.items():
            value = getattr(self, name)
            if isinstance(value, SecretStr):
                shown = mask(value.get_secret_value())
            elif name == "database_url":
                shown = mask_url(value)
            else:
                shown = "" if value is None else str(value)
            out[field.alias or name] = shown
        return out


def mask(secret: str) -> str:
    """Show at most the last 4 characters of a secret, and only when it is long."""
    if not secret:
        return ""
    if len(secret) < 16:
        return "****"
    return "****" + secret[-4:]


def mask_url(url: str) -> str:
    """Hide a password embedded in a database URL."""
    return re.sub(r"(://[^:/@]+:)[^@]*@", r"\1****@", url)


def load_settings(
    environ: Mapping[str, str] | None = None, env_file: str | Path | None = ".env"
) -> Settings:
    """Build the settings from ``environ`` (the process environment when None) over ``.env``.

    Variables in ``environ`` win over the file. Empty values count as unset, so a copied
    `.env.example` with blank lines does not turn on anything.
    """
    import os

    values: dict[str, Any] = {}
    if env_file is not None and Path(env_file).is_file():
        values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    values.update(os.environ if environ is None else environ)
    aliases = {f.alias for f in Settings.model_fields.values() if f.alias}
    clean = {k: v for k, v in values.items() if k in aliases and str(v).strip() != ""}
    try:
        return Settings.model_validate(clean)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err["loc"]) or "settings"
            problems.append(f"{where}: {err['msg'].removeprefix('Value error, ')}")
        raise SettingsError("invalid configuration:\n  " + "\n  ".join(problems)) from None
