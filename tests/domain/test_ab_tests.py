"""A/B test rules: the bucket split covers everyone exactly once; how the winner is picked."""

from __future__ import annotations

import pytest

from wabroadcast.domain.ab_tests import (
    BUCKETS,
    AbTestError,
    VariantRate,
    bucket_of,
    check_test,
    pick_winner,
    rest_range,
    variant_range,
)


@pytest.mark.parametrize(("variants", "share"), [(2, 10), (3, 33), (5, 20), (2, 50)])
def test_every_contact_falls_in_exactly_one_campaign(variants: int, share: int) -> None:
    test_id = 42
    ranges = [variant_range(test_id, i, share) for i in range(variants)]
    ranges.append(rest_range(test_id, variants, share))
    taken: dict[int, int] = {}
    for contact_id in range(1, 20_001):
        bucket = bucket_of(contact_id, test_id)
        holders = [i for i, r in enumerate(ranges) if r.low <= bucket < r.high]
        assert len(holders) == 1, (contact_id, bucket, holders)
        taken[holders[0]] = taken.get(holders[0], 0) + 1
    for i in range(variants):  # the permutation spreads consecutive ids evenly
        assert taken[i] == 2 * share * 100
    assert taken.get(variants, 0) == 20_000 - variants * 2 * share * 100


def test_bucket_formula_and_range() -> None:
    assert bucket_of(1, 1) == (7919 + 104_729) % BUCKETS
    assert {bucket_of(c, 7) for c in range(BUCKETS)} == set(range(BUCKETS))
    assert bucket_of(5, 1) != bucket_of(5, 2)  # another test shifts the buckets


def test_ties_go_to_the_lower_letter_and_unsent_variants_cannot_win() -> None:
    tie = pick_winner({"B": VariantRate(4, 2), "A": VariantRate(2, 1), "C": VariantRate(3, 1)})
    assert tie.winner == "A"
    assert pick_winner({"A": VariantRate(10, 1), "B": VariantRate(10, 3)}).winner == "B"
    assert pick_winner({"A": VariantRate(0, 0), "B": VariantRate(5, 0)}).winner == "B"
    nobody = pick_winner({"A": VariantRate(0, 0), "B": VariantRate(0, 0)})
    assert nobody.winner is None
    assert "no variant was sent to anyone" in nobody.reason


@pytest.mark.parametrize(
    ("templates", "share", "hours", "field", "words"),
    [
        (["a"], 10, 24, "templates", "2 to 5 templates, got 1"),
        (["a", "b", "c", "d", "e", "f"], 10, 24, "templates", "got 6"),
        (["a", "a"], 10, 24, "templates", "given twice"),
        (["a", "b"], 0, 24, "share", "from 1 to 50"),
        (["a", "b"], 51, 24, "share", "got 51"),
        (["a", "b", "c"], 40, 24, "share", "must not pass 100%"),
        (["a", "b"], 10, 0, "decide_after_hours", "from 1 to 720"),
        (["a", "b"], 10, 721, "decide_after_hours", "got 721"),
    ],
)
def test_refusals_name_the_field(
    templates: list[str], share: int, hours: int, field: str, words: str
) -> None:
    with pytest.raises(AbTestError) as caught:
        check_test(templates, share, hours)
    assert caught.value.field == field
    assert words in str(caught.value)
    check_test(["a", "b"], 10, 24)  # a good test passes
