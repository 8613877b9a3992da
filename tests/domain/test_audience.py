"""Reading audiences: tags, conditions and the errors people see."""

from __future__ import annotations

import pytest

from wabroadcast.domain.audience import (
    Audience,
    AudienceError,
    Condition,
    audience_from_json,
    build_audience,
    parse_condition,
    split_tags,
    tag_key,
)


def test_tag_keys_ignore_case_and_the_turkish_i_but_keep_other_letters() -> None:
    assert tag_key(" VIP ") == tag_key("vip") == tag_key("VİP") == tag_key("vıp")
    assert tag_key("IŞIK") == tag_key("ışık")
    assert tag_key("şık") != tag_key("sik")
    assert tag_key("Yeni   müşteri") == "yeni müşteri"


def test_split_tags_keeps_the_first_spelling_of_each() -> None:
    assert split_tags("VIP; izmir ;vip;;") == ["VIP", "izmir"]
    assert split_tags(["a", "A", "b"]) == ["a", "b"]
    assert split_tags(None) == []
    with pytest.raises(AudienceError, match="list of texts"):
        split_tags(5)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("city = İzmir", Condition("city", ("İzmir",))),
        ("attributes.plan in (gold, silver)", Condition("plan", ("gold", "silver"), listed=True)),
        ("plan NOT IN (trial)", Condition("plan", ("trial",), negated=True, listed=True)),
        ('"Şehir adı" != "Ankara"', Condition("Şehir adı", ("Ankara",), negated=True)),
        ("name=Ayşe Yılmaz", Condition("name", ("Ayşe Yılmaz",))),
    ],
)
def test_conditions_are_read(text: str, expected: Condition) -> None:
    assert parse_condition(text) == expected
    assert parse_condition(expected.text()) == expected


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("city İzmir", "is not FIELD OP VALUE"),
        ("city =", "has no value"),
        ("plan in gold", "takes a list"),
        ("plan in (gold, )", "empty value"),
        ("plan = (gold)", "needs 'in'"),
        ("", "is not FIELD OP VALUE"),
    ],
)
def test_malformed_conditions_say_what_is_wrong(text: str, needle: str) -> None:
    with pytest.raises(AudienceError, match=needle.replace("(", r"\(")):
        parse_condition(text)


def test_an_audience_round_trips_through_its_stored_form() -> None:
    audience = build_audience(
        tags=["VIP", "vip", "izmir"],
        match="all",
        where=["city = İzmir"],
        exclude_tags=["test"],
        exclude_replied_days=7,
    )
    assert audience.tags == ("VIP", "izmir")
    assert audience_from_json(audience.to_json()) == audience
    assert audience.describe() == (
        "tags all of (VIP, izmir); city = İzmir; not tagged (test); no reply in the last 7 days"
    )
    assert Audience().to_json() is None and audience_from_json(None).is_everyone


@pytest.mark.parametrize(
    ("options", "needle"),
    [
        ({"match": "most"}, "match must be"),
        ({"exclude_replied_days": 0}, "from 1 to"),
        ({"tags": ["a"], "exclude_tags": ["A"]}, "both wanted and excluded"),
        ({"tags": ["x" * 65]}, "longer than 64"),
        ({"tags": ["a;b"]}, "separates tags"),
    ],
)
def test_malformed_audiences_are_refused(options: dict[str, object], needle: str) -> None:
    with pytest.raises(AudienceError, match=needle):
        build_audience(**options)  # type: ignore[arg-type]
