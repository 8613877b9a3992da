"""Request validation for POST /{phone-number-id}/messages, in the order Meta refuses things.

Structure first (100: messaging_product, to, type, biz_opaque_callback_data ≤ 512 chars), then
the template (131008 missing name/language, 132001 unknown or not approved, 132015 paused, 132016
disabled), then its parameters (132000 count, 132012 format, 100 bad whitespace), all per
cloudapi.md §1–2. The recipient number is checked by the simulator itself (it needs the
business number's country code).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from wabroadcast.domain.bsuid import is_bsuid
from wabroadcast.simulator.graph import SimError
from wabroadcast.simulator.templates import PLACEHOLDER, SimTemplate, TemplateStore

CALLBACK_DATA_MAX = 512
TEXT_BODY_MAX = 4096
_BAD_WHITESPACE = re.compile(r"[\n\t]| {5,}")
_HEADER_MEDIA = {"IMAGE": "image", "VIDEO": "video", "DOCUMENT": "document"}


@dataclass(frozen=True)
class SendRequest:
    """A structurally valid message request."""

    to: str
    kind: str  # "template" or "text"
    callback_data: str | None
    template: SimTemplate | None = None
    components: list[dict[str, Any]] = field(default_factory=list)
    text: str | None = None


def _require(value: Any, name: str, code: int = 100) -> Any:
    if value is None or value == "":
        raise SimError(code, f"The parameter {name} is required.")
    return value


def _address(body: dict[str, Any]) -> str:
    """`to` (a phone), else `recipient` (a BSUID, since May 2026); with both, `to` wins."""
    to, recipient = body.get("to"), body.get("recipient")
    if to is None and recipient is not None:
        if not isinstance(recipient, str) or not is_bsuid(recipient):
            raise SimError(
                100, f"Param recipient is not a valid business-scoped user id: {recipient!r}"
            )
        return recipient
    to = _require(to, "to")
    if not isinstance(to, str):
        raise SimError(100, "Param to must be a string.")
    return to


def parse_send(body: Any, templates: TemplateStore) -> SendRequest:
    """The request, or a :class:`SimError` naming the first thing Meta would refuse."""
    if not isinstance(body, dict):
        raise SimError(100, "The request body must be a JSON object.")
    product = _require(body.get("messaging_product"), "messaging_product")
    if product != "whatsapp":
        raise SimError(100, f"Param messaging_product must be one of {{WHATSAPP}} - got {product}")
    recipient_type = body.get("recipient_type", "individual")
    if recipient_type not in ("individual", "group"):
        raise SimError(100, f"Param recipient_type must be individual - got {recipient_type}")
    to = _address(body)
    callback = body.get("biz_opaque_callback_data")
    if callback is not None and (not isinstance(callback, str) or len(callback) > 512):
        raise SimError(
            100, f"Param biz_opaque_callback_data must be at most {CALLBACK_DATA_MAX} characters."
        )
    kind = _require(body.get("type", "text"), "type")
    if kind == "text":
        return _parse_text(body, to, callback)
    if kind != "template":
        raise SimError(100, f"Param type {kind!r} is not supported by this simulator.")
    template_obj = body.get("template")
    if not isinstance(template_obj, dict):
        raise SimError(131008, "The parameter template is required.")
    name = _require(template_obj.get("name"), "template['name']", 131008)
    language = template_obj.get("language")
    code = language.get("code") if isinstance(language, dict) else None
    _require(code, "template['language']['code']", 131008)
    template = _find_sendable(templates, str(name), str(code))
    components = template_obj.get("components") or []
    if not isinstance(components, list) or not all(isinstance(c, dict) for c in components):
        raise SimError(100, "Param template['components'] must be a list of objects.")
    check_parameters(template, components)
    return SendRequest(
        to=to, kind="template", callback_data=callback, template=template, components=components
    )


def _parse_text(body: dict[str, Any], to: str, callback: str | None) -> SendRequest:
    text = body.get("text")
    text_body = text.get("body") if isinstance(text, dict) else None
    _require(text_body, "text['body']")
    if not isinstance(text_body, str) or len(text_body) > TEXT_BODY_MAX:
        raise SimError(100, f"Param text['body'] must be a string of at most {TEXT_BODY_MAX}.")
    return SendRequest(to=to, kind="text", callback_data=callback, text=text_body)


def _find_sendable(templates: TemplateStore, name: str, language: str) -> SimTemplate:
    template = templates.find(name, language)
    if template is None or template.status not in ("APPROVED", "PAUSED", "DISABLED"):
        raise SimError(132001, f"template name ({name}) does not exist in {language}")
    if template.status == "PAUSED":
        raise SimError(
            132015,
            f"Template {name} ({language}) is paused due to low quality so it cannot be sent "
            "in a template message.",
        )
    if template.status == "DISABLED":
        raise SimError(
            132016,
            f"Template {name} ({language}) has been paused too many times due to low quality "
            "and is now permanently disabled.",
        )
    return template


def _parameters(components: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for component in components:
        if str(component.get("type", "")).lower() == kind:
            params = component.get("parameters") or []
            if not isinstance(params, list) or not all(isinstance(p, dict) for p in params):
                raise SimError(100, f"Param {kind}['parameters'] must be a list of objects.")
            found.extend(params)
    return found


def check_parameters(template: SimTemplate, components: list[dict[str, Any]]) -> None:
    """Parameter count (132000), header format (132012), names and whitespace (100)."""
    body = _parameters(components, "body")
    variables = template.body_variables()
    if len(body) != len(variables):
        raise SimError(
            132000,
            f"body: number of localizable_params ({len(body)}) does not match the expected "
            f"number of params ({len(variables)})",
        )
    if template.parameter_format == "NAMED":
        names = [p.get("parameter_name") for p in body]
        if sorted(str(n) for n in names) != sorted(variables):
            raise SimError(
                132000, f"body: parameter names {names} do not match the template's {variables}"
            )
    _check_header(template, _parameters(components, "header"))
    _check_buttons(template, components)
    for param in body + _parameters(components, "header"):
        if param.get("type") == "text":
            _check_text(param.get("text"))


def _check_header(template: SimTemplate, params: list[dict[str, Any]]) -> None:
    expected = template.header_variables()
    if len(params) != len(expected):
        raise SimError(
            132000,
            f"header: number of localizable_params ({len(params)}) does not match the expected "
            f"number of params ({len(expected)})",
        )
    media = _HEADER_MEDIA.get(template.header_format() or "")
    for param in params:
        wanted = media or "text"
        if param.get("type") != wanted:
            raise SimError(
                132012, f"header: parameter type {param.get('type')!r} expected {wanted!r}"
            )


_BUTTON_TYPES = {"quick_reply": "QUICK_REPLY", "url": "URL", "copy_code": "COPY_CODE"}


def _check_buttons(template: SimTemplate, components: list[dict[str, Any]]) -> None:
    """Button components must point at a template button of the same kind (131009), and a
    URL button with a `{{1}}` suffix needs its value (132000)."""
    buttons = template.buttons()
    given: set[int] = set()
    for component in components:
        if str(component.get("type", "")).lower() != "button":
            continue
        sub_type = str(component.get("sub_type", "")).lower()
        try:
            index = int(component.get("index", -1))
        except (TypeError, ValueError):
            index = -1
        if not 0 <= index < len(buttons):
            raise SimError(131009, f"Button at index {component.get('index')!r} does not exist")
        if _BUTTON_TYPES.get(sub_type) != buttons[index].get("type"):
            raise SimError(
                131009,
                f"Button at index {index} is {buttons[index].get('type')}, not {sub_type!r}",
            )
        given.add(index)
    for index, button in enumerate(buttons):
        dynamic = button.get("type") == "URL" and PLACEHOLDER.search(str(button.get("url", "")))
        if dynamic and index not in given:
            raise SimError(132000, f"buttons: URL button at index {index} needs its parameter")


def _check_text(value: Any) -> None:
    if not isinstance(value, str) or not value:
        raise SimError(131008, "Text parameters must be non-empty strings.")
    if _BAD_WHITESPACE.search(value):
        raise SimError(
            100,
            "Param text cannot have new-line/tab characters or more than 4 consecutive spaces",
        )
