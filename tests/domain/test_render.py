from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from wabroadcast.domain.render import (
    EmptyParameterError,
    RenderError,
    check_parameters,
    clean_text,
    parse_spec,
    render_body,
    render_components,
    template_shape,
)


@dataclass
class Person:
    phone: str
    name: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)


OFFER = template_shape(
    [
        {"type": "HEADER", "format": "IMAGE"},
        {"type": "BODY", "text": "Merhaba {{1}}, {{2}} şubemizde {{1}} için indirim!"},
        {
            "type": "BUTTONS",
            "buttons": [
                {"type": "QUICK_REPLY", "text": "Durdur"},
                {"type": "URL", "text": "Gör", "url": "https://shop.example/{{1}}"},
                {"type": "COPY_CODE", "example": "SAVE20"},
            ],
        },
    ],
    "POSITIONAL",
)
OFFER_PARAMS = {
    "body": {"1": {"field": "name", "fallback": "Müşterimiz"}, "2": "attributes.city:Merkez"},
    "header": {"type": "image", "link": "https://cdn.example/offer.jpg"},
    "buttons": {"1": {"field": "attributes.code"}, "2": {"text": "SAVE20"}},
}


def test_positional_parameters_with_turkish_characters_are_kept_exactly() -> None:
    spec = parse_spec(OFFER_PARAMS)
    check_parameters(spec, OFFER)
    contact = Person("+905321112233", "Ğülşen İçöz", {"city": "Şırnak", "code": "ığ-1"})

    components = render_components(spec, OFFER, contact)

    assert components == [
        {
            "type": "header",
            "parameters": [{"type": "image", "image": {"link": "https://cdn.example/offer.jpg"}}],
        },
        {
            "type": "body",
            "parameters": [
                {"type": "text", "text": "Ğülşen İçöz"},
                {"type": "text", "text": "Şırnak"},
            ],
        },
        {
            "type": "button",
            "sub_type": "url",
            "index": "1",
            "parameters": [{"type": "text", "text": "ığ-1"}],
        },
        {
            "type": "button",
            "sub_type": "copy_code",
            "index": "2",
            "parameters": [{"type": "coupon_code", "coupon_code": "SAVE20"}],
        },
    ]
    assert render_body(spec, OFFER, contact) == (
        "Merhaba Ğülşen İçöz, Şırnak şubemizde Ğülşen İçöz için indirim!"
    )


@pytest.mark.parametrize("empty", [None, "", "   ", "\n\t"])
def test_empty_fields_use_the_fallback(empty: str | None) -> None:
    spec = parse_spec(OFFER_PARAMS)
    contact = Person("+905321112233", empty, {"code": "x"})

    body = render_components(spec, OFFER, contact)[1]

    assert body["parameters"] == [
        {"type": "text", "text": "Müşterimiz"},
        {"type": "text", "text": "Merkez"},
    ]


def test_an_empty_field_without_fallback_names_the_contact_and_variable() -> None:
    spec = parse_spec({"body": {"1": "name", "2": "city"}, "header": OFFER_PARAMS["header"]})
    shape = template_shape([{"type": "BODY", "text": "{{1}} {{2}}"}], None)
    with pytest.raises(EmptyParameterError, match=r"\+905551234567: body \{\{2\}\} \(city\)"):
        render_components(spec, shape, Person("+905551234567", "Ayşe"))


def test_text_is_collapsed_as_meta_requires() -> None:
    assert clean_text("  Ali\nVeli\tDeli  ") == "Ali Veli Deli"
    assert clean_text("a     b") == "a b"  # more than four spaces
    assert clean_text("a    b") == "a    b"  # four are allowed
    spec = parse_spec({"body": {"1": "name"}})
    shape = template_shape([{"type": "BODY", "text": "Hi {{1}}"}], "POSITIONAL")
    rendered = render_components(spec, shape, Person("+1", "Çağrı\r\n  Öztürk"))
    assert rendered[0]["parameters"][0]["text"] == "Çağrı Öztürk"


def test_named_parameters_carry_their_names() -> None:
    shape = template_shape(
        [{"type": "BODY", "text": "Hi {{first_name}}, order {{order_id}} is on its way."}],
        "NAMED",
    )
    spec = parse_spec({"body": {"order_id": "attributes.order", "first_name": "name:dostum"}})
    check_parameters(spec, shape)

    rendered = render_components(spec, shape, Person("+1", None, {"order": 1837}))

    assert rendered == [
        {
            "type": "body",
            "parameters": [
                {"type": "text", "text": "dostum", "parameter_name": "first_name"},
                {"type": "text", "text": "1837", "parameter_name": "order_id"},
            ],
        }
    ]


def test_media_header_by_uploaded_id_and_document_filename() -> None:
    shape = template_shape([{"type": "HEADER", "format": "DOCUMENT"}], None)
    spec = parse_spec(
        {"header": {"type": "document", "id": "1479537139650973", "filename": "a.pdf"}}
    )
    check_parameters(spec, shape)
    assert render_components(spec, shape, Person("+1")) == [
        {
            "type": "header",
            "parameters": [
                {"type": "document", "document": {"id": "1479537139650973", "filename": "a.pdf"}}
            ],
        }
    ]


def test_count_and_type_problems_are_all_reported_before_sending() -> None:
    spec = parse_spec(
        {
            "body": {"1": "name", "3": "city"},
            "header": {"type": "video", "link": "https://cdn.example/v.mp4"},
            "buttons": {"0": "code"},
        }
    )
    with pytest.raises(RenderError) as caught:
        check_parameters(spec, OFFER, template="daily_offer/tr")
    message = str(caught.value)
    assert message.startswith("parameters do not fit daily_offer/tr: ")
    for part in (
        "body needs {{2}} but no value is given",
        "body has no {{3}}",
        "header is an image, not a video",
        "button 1 (url) needs a value",
        "button 2 (copy_code) needs a value",
        "button 0 takes no value",
    ):
        assert part in message


def test_missing_media_header_is_refused() -> None:
    with pytest.raises(RenderError, match="header needs an image"):
        check_parameters(parse_spec({"body": {"1": "name", "2": "city"}}), OFFER)


def test_a_template_without_variables_needs_no_parameters() -> None:
    shape = template_shape([{"type": "BODY", "text": "Bugünün fırsatı sizi bekliyor!"}], None)
    spec = parse_spec({})
    check_parameters(spec, shape)
    assert render_components(spec, shape, Person("+1")) == []
    with pytest.raises(RenderError, match=r"body has no \{\{1\}\}"):
        check_parameters(parse_spec({"body": {"1": "name"}}), shape)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"bdy": {}}, "unknown sections"),
        ({"body": ["name"]}, "expected an object"),
        ({"body": {"1": {"feld": "name"}}}, "unknown keys"),
        ({"body": {"1": ":x"}}, "empty field name"),
        ({"header": {"type": "gif", "link": "https://x"}}, "'gif' is not one of"),
        ({"header": {"type": "image"}}, "exactly one of 'link' or 'id'"),
        ({"header": {"type": "image", "link": "ftp://x"}}, "http"),
        ({"header": {"type": "image", "id": "abc"}}, "digits"),
        ({"buttons": {"first": "code"}}, "zero-based button index"),
    ],
)
def test_bad_parameter_specs_say_what_is_wrong(raw: dict[str, Any], message: str) -> None:
    with pytest.raises(RenderError, match=message):
        parse_spec(raw)


def test_rendering_without_a_synced_template_uses_the_spec_order() -> None:
    spec = parse_spec({"body": {"2": {"text": "iki"}, "1": "name:bir"}})
    rendered = render_components(spec, None, Person("+1"))
    assert [p["text"] for p in rendered[0]["parameters"]] == ["bir", "iki"]
