"""What the API accepts and returns for contact tags and campaign audiences."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from wabroadcast.domain.audience import (
    MAX_REPLIED_DAYS,
    MAX_TAG_LENGTH,
    MAX_TAGS,
    Audience,
    audience_from_json,
    build_audience,
)


class AudienceIn(BaseModel):
    """Who a campaign or schedule is for; every field left out means "no narrowing", so
    `{}` (or no audience at all) is every contact, as before audiences existed."""

    model_config = ConfigDict(extra="forbid")

    tags: list[str] = Field(
        default_factory=list,
        max_length=MAX_TAGS,
        description="Contacts carrying these tags (see `match`). Case-insensitive.",
    )
    match: Literal["any", "all"] = Field(
        "any", description="`any`: at least one of `tags`; `all`: every one of them."
    )
    where: list[str] = Field(
        default_factory=list,
        max_length=MAX_TAGS,
        description="Attribute conditions, all must hold: `city = İzmir`, "
        "`attributes.plan in (gold, silver)`, `plan != trial`, `name = Ayşe`.",
    )
    exclude_tags: list[str] = Field(
        default_factory=list, max_length=MAX_TAGS, description="Leave out contacts with any."
    )
    exclude_replied_days: int | None = Field(
        None,
        ge=1,
        le=MAX_REPLIED_DAYS,
        description="Leave out contacts who replied in the last N days.",
    )

    def to_audience(self) -> Audience:
        """Raises AudienceError (a 422 naming the part) when a tag or condition is malformed."""
        return build_audience(
            tags=self.tags,
            match=self.match,
            where=self.where,
            exclude_tags=self.exclude_tags,
            exclude_replied_days=self.exclude_replied_days,
        )

    @classmethod
    def stored(cls, value: dict[str, object] | None) -> AudienceIn | None:
        """What a campaign or schedule stored (None: every contact)."""
        audience = audience_from_json(value)
        if audience.is_everyone:
            return None
        return cls(
            tags=list(audience.tags),
            match=audience.match,
            where=[condition.text() for condition in audience.conditions],
            exclude_tags=list(audience.exclude_tags),
            exclude_replied_days=audience.exclude_replied_days,
        )


class ContactSelection(BaseModel):
    """Which contacts a bulk change applies to: listed numbers, or a filter (as GET
    /api/contacts filters), never both and never nothing."""

    model_config = ConfigDict(extra="forbid")

    phones: list[str] | None = Field(
        None, max_length=10_000, description="Numbers in any format (read in DEFAULT_REGION)."
    )
    q: str | None = Field(None, max_length=200, description="Name or number search.")
    tag: str | None = Field(None, max_length=MAX_TAG_LENGTH, description="Carrying this tag.")
    opted_out: bool | None = None
    all: bool = Field(False, description="Every contact (needed when no other filter is set).")


class TagChange(ContactSelection):
    """POST /api/contacts/tags."""

    add: list[str] = Field(default_factory=list, max_length=MAX_TAGS)
    remove: list[str] = Field(default_factory=list, max_length=MAX_TAGS)


class TagChangeResult(BaseModel):
    contacts: int = Field(description="Contacts the selection matched.")
    added: int = Field(description="Tags newly put on a contact (already there: not counted).")
    removed: int = Field(description="Tags taken off a contact.")
    unknown_phones: list[str] = Field(
        default_factory=list, description="Listed numbers that are no contact (or unreadable)."
    )


class TagPublic(BaseModel):
    name: str
    contacts: int


class AudienceCount(BaseModel):
    """POST /api/audiences/count: what a campaign of this template and audience would take."""

    model_config = ConfigDict(extra="forbid")

    template_name: str = Field(min_length=1, max_length=512, pattern=r"^[a-z0-9_]+$")
    audience: AudienceIn | None = None


class AudienceCounted(BaseModel):
    eligible: int = Field(description="Contacts a campaign would take now (no limit applied).")
    skipped_us: int = Field(description="US (+1) contacts left out for a MARKETING template.")
    audience: str = Field(description="The audience in words.")
