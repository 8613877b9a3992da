from __future__ import annotations

import pytest

from wabroadcast.domain.bsuid import bsuid_problem, is_bsuid
from wabroadcast.domain.search import parse_query


@pytest.mark.parametrize("value", ["BR.1502576394655843", "US.ENT.13491208655302741918", "TR.a1"])
def test_bsuids(value: str) -> None:
    assert is_bsuid(value) and bsuid_problem(value) is None


@pytest.mark.parametrize(
    "value",
    ["+905551234567", "905551234567", "br.123", "BR.", "BR.12-3", "BRA.123", "BR." + "1" * 129],
)
def test_not_bsuids(value: str) -> None:
    assert not is_bsuid(value)
    problem = bsuid_problem(value)
    assert problem is not None and "is not a business-scoped user id" in problem


def test_a_bsuid_search_is_matched_whole_not_as_name_words() -> None:
    query = parse_query("BR.1502576394655843")
    assert query.user_id == "BR.1502576394655843" and not query.words and not query.is_empty
