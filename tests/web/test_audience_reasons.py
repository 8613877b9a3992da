"""Every tag/audience refusal the code writes has a Turkish sentence (web/audience_reasons.py).

The refusals are produced by the real functions, so a reworded English sentence that no
pattern matches any more fails here instead of showing English on a Turkish page.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from wabroadcast.contacts.tagging import read_tags
from wabroadcast.domain.audience import AudienceError, build_audience, parse_condition, tag_name
from wabroadcast.web.audience_reasons import audience_reason_text
from wabroadcast.web.i18n import translator

REFUSALS: list[Callable[[], object]] = [
    lambda: tag_name(" "),
    lambda: tag_name("a;b"),
    lambda: tag_name("a\x07"),
    lambda: tag_name("x" * 70),
    lambda: build_audience(tags=[f"t{i}" for i in range(60)]),
    lambda: build_audience(where=["a = 1"] * 60),
    lambda: build_audience(match="some"),
    lambda: build_audience(exclude_replied_days=0),
    lambda: build_audience(tags=["VIP"], exclude_tags=["vip"]),
    lambda: parse_condition("city"),
    lambda: parse_condition('"a\\b" = 1'),
    lambda: parse_condition("plan in gold"),
    lambda: parse_condition("plan in (gold, )"),
    lambda: parse_condition("plan = (gold)"),
    lambda: parse_condition("plan ="),
]


@pytest.mark.parametrize("refuse", REFUSALS)
def test_each_refusal_reads_in_turkish(refuse: Callable[[], object]) -> None:
    with pytest.raises(AudienceError) as raised:
        refuse()
    english = str(raised.value)
    turkish = audience_reason_text(english, translator("tr"))
    assert turkish is not None, english
    assert turkish != english
    assert audience_reason_text(english, translator("en")) == english


def test_import_and_selection_refusals_read_in_turkish() -> None:
    tr = translator("tr")
    too_many = read_tags(";".join(f"t{i}" for i in range(51)))
    assert isinstance(too_many, str)
    assert audience_reason_text(too_many, tr) == (
        "51 etiket; bir satırda bir kişiye en çok 50 etiket verilebilir"
    )
    for message in (
        "give phones or a filter, not both",
        "no contacts chosen: give phones, a filter (search, tag, opted out) or all",
        "nothing to do: give tags to add or remove",
    ):
        assert audience_reason_text(message, tr) not in (None, message)
    assert audience_reason_text("something else entirely", tr) is None
