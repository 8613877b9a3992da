"""A/B tests of templates: variants over shares of the audience, a winner, then the rest.

Every contact falls in one of :data:`BUCKETS` buckets, fixed by its id and the test's id
(:func:`bucket_of`; the same formula runs in SQL, storage/ab_tests.py). Variant ``i`` takes
buckets ``[i*share*100, (i+1)*share*100)``; the winner's campaign takes every bucket above
the last variant's. So the shares never overlap, whoever joins the list later, and a
contact in a variant's bucket who was not sent (opted out then, say) never gets the winner:
the rest is the audience the variants did not cover, not "everyone who got nothing".

7919 is prime and coprime with 10,000, so ``contact_id % 10000 → bucket`` is a permutation:
consecutive ids (an imported list) spread evenly over the variants. The test's id shifts the
permutation, so two tests over one list do not always pick the same people first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction

BUCKETS = 10_000
CONTACT_FACTOR = 7919
TEST_FACTOR = 104_729
MIN_VARIANTS = 2
MAX_VARIANTS = 5
MIN_SHARE = 1
MAX_SHARE = 50
"""Percent of the audience per variant: at least 1 (fewer say nothing), at most 50 (two
variants over everyone, no rest)."""
MIN_DECIDE_AFTER_HOURS = 1
MAX_DECIDE_AFTER_HOURS = 720
"""From an hour (reads come in within minutes) to 30 days."""
LETTERS = "ABCDE"
WINNER = "winner"
"""The ab_variant of the campaign that sends the winning template to the rest."""


class AbTestError(ValueError):
    """An A/B test cannot be read; the message names the field and what it accepts."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.field = field


class AbMetric(StrEnum):
    """What makes a variant win: its share of accepted sends that were read, or replied to."""

    READ = "read"
    REPLY = "reply"

    @classmethod
    def parse(cls, text: str) -> AbMetric:
        key = text.strip().lower()
        for member in cls:
            if member.value == key:
                return member
        choices = ", ".join(member.value for member in cls)
        raise AbTestError(f"{text[:40]!r} is not a metric; use one of: {choices}", field="metric")


class AbTestState(StrEnum):
    TESTING = "testing"
    """The variants are sending, or waiting for decide_at."""
    DECIDING = "deciding"
    """Claimed by one process that is computing the rates (a moment)."""
    SENDING_WINNER = "sending_winner"
    DONE = "done"
    CANCELLED = "cancelled"


ENDED_STATES = frozenset({AbTestState.DONE, AbTestState.CANCELLED})


@dataclass(frozen=True, slots=True)
class BucketRange:
    """The buckets a campaign of a test takes: ``low <= bucket < high``."""

    test_id: int
    low: int
    high: int


def bucket_of(contact_id: int, test_id: int) -> int:
    """The contact's bucket in this test, 0 to BUCKETS - 1."""
    return ((contact_id % BUCKETS) * CONTACT_FACTOR + (test_id % BUCKETS) * TEST_FACTOR) % BUCKETS


def letter(index: int) -> str:
    return LETTERS[index]


def variant_range(test_id: int, index: int, share: int) -> BucketRange:
    """Variant ``index`` (0 for A): its ``share`` percent of the buckets."""
    width = share * BUCKETS // 100
    return BucketRange(test_id, index * width, (index + 1) * width)


def rest_range(test_id: int, variants: int, share: int) -> BucketRange:
    """The winner's campaign: every bucket above the variants'."""
    return BucketRange(test_id, variants * share * BUCKETS // 100, BUCKETS)


def range_for(test_id: int, variant: str, variants: int, share: int) -> BucketRange:
    """The range of a campaign's ``ab_variant`` (a letter, or :data:`WINNER`)."""
    if variant == WINNER:
        return rest_range(test_id, variants, share)
    return variant_range(test_id, LETTERS.index(variant), share)


def check_test(templates: Sequence[str], share: int, decide_after_hours: int) -> None:
    """Raises :class:`AbTestError` naming the field when the test cannot run."""
    if not MIN_VARIANTS <= len(templates) <= MAX_VARIANTS:
        raise AbTestError(
            f"an A/B test has {MIN_VARIANTS} to {MAX_VARIANTS} templates, got {len(templates)}",
            field="templates",
        )
    seen: set[str] = set()
    for name in templates:
        if name in seen:
            raise AbTestError(
                f"template '{name[:80]}' is given twice; each variant is another template",
                field="templates",
            )
        seen.add(name)
    if isinstance(share, bool) or not MIN_SHARE <= share <= MAX_SHARE:
        raise AbTestError(
            f"share must be from {MIN_SHARE} to {MAX_SHARE} percent per variant, got {share}",
            field="share",
        )
    if share * len(templates) > 100:
        raise AbTestError(
            f"{len(templates)} variants of {share}% take {share * len(templates)}% of the "
            "audience; the shares together must not pass 100%",
            field="share",
        )
    if isinstance(decide_after_hours, bool) or not (
        MIN_DECIDE_AFTER_HOURS <= decide_after_hours <= MAX_DECIDE_AFTER_HOURS
    ):
        raise AbTestError(
            f"decide_after_hours must be from {MIN_DECIDE_AFTER_HOURS} to "
            f"{MAX_DECIDE_AFTER_HOURS}, got {decide_after_hours}",
            field="decide_after_hours",
        )


@dataclass(frozen=True, slots=True)
class VariantRate:
    """A variant's count for the metric over its accepted sends."""

    accepted: int
    hits: int

    @property
    def rate(self) -> float | None:
        return self.hits / self.accepted if self.accepted else None


@dataclass(frozen=True, slots=True)
class Decision:
    """The winner's letter, or None with why there is none."""

    winner: str | None
    reason: str


def pick_winner(rates: Mapping[str, VariantRate]) -> Decision:
    """The variant with the highest rate; a tie goes to the lower letter. Variants nobody
    was sent to cannot win; when no variant was sent to anyone there is no winner."""
    sent = {name: rate for name, rate in rates.items() if rate.accepted > 0}
    if not sent:
        return Decision(None, "no variant was sent to anyone (no accepted sends): no winner")
    # max keeps the first of equals: in letter order, the lower letter. Fractions: exact.
    best = max(sorted(sent), key=lambda name: Fraction(sent[name].hits, sent[name].accepted))
    won = sent[best]
    return Decision(best, f"{best}: {won.hits} of {won.accepted} ({won.hits / won.accepted:.1%})")
