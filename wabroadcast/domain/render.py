"""Template + contact → the `components` of one send, checked before anyone is claimed.

A campaign's parameters (``campaigns.parameters``) say where each template variable comes from::

    {"body": {"1": {"field": "name", "fallback": "Müşterimiz"}, "2": "attributes.city"},
     "header": {"type": "image", "link": "https://…/offer.jpg"},
     "buttons": {"0": {"text": "SUMMER20"}}}

Meta refuses a whole send when the parameter count differs from the template (132000), a
format does not match (132012), a value is empty (131008), or a text parameter holds newlines,
tabs or more than four consecutive spaces. :func:`check_parameters` finds the first three
before the first send; :func:`clean_text` and the per-parameter fallback handle the rest.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z0-9_]+)\s*\}\}")
MEDIA_TYPES = ("image", "video", "document")
BODY_MAX_CHARS = 1024
HEADER_TEXT_MAX_CHARS = 60
_BAD_WHITESPACE = re.compile(r"[ \t\r\n\v\f]*[\t\r\n\v\f][ \t\r\n\v\f]*| {5,}")
_CONTACT_FIELDS = ("name", "phone", "wa_id", "index")


class RenderError(ValueError):
    """The parameters do not fit the template, or a contact lacks a value; says which."""


class EmptyParameterError(RenderError):
    """A contact's field is empty and the parameter has no fallback (Meta: 131008)."""


class ContactLike(Protocol):
    """What rendering reads from a contact (tables.Contact fits)."""

    @property
    def phone(self) -> str | None: ...
    @property
    def name(self) -> str | None: ...
    @property
    def attributes(self) -> dict[str, Any]: ...


def clean_text(value: str) -> str:
    """Collapse newlines, tabs and runs of more than four spaces: Meta rejects them (HTTP 400)."""
    return _BAD_WHITESPACE.sub(" ", value).strip()


@dataclass(frozen=True)
class Value:
    """Where one parameter's text comes from: a contact field, else a fallback, or fixed text."""

    field: str | None = None
    fallback: str | None = None
    text: str | None = None

    def resolve(self, contact: ContactLike | None) -> str | None:
        if self.text is not None:
            return clean_text(self.text)
        raw = lookup_field(contact, self.field) if contact is not None and self.field else None
        value = clean_text(str(raw)) if raw is not None else ""
        if value:
            return value
        return clean_text(self.fallback) if self.fallback else None

    def describe(self) -> str:
        if self.text is not None:
            return f'"{self.text}"'
        return f"{self.field}" + (f" (fallback {self.fallback!r})" if self.fallback else "")


@dataclass(frozen=True)
class MediaHeader:
    """An image, video or document header: a public https link or an uploaded media id."""

    type: str
    link: str | None = None
    media_id: str | None = None
    filename: str | None = None

    def parameter(self) -> dict[str, Any]:
        media: dict[str, Any] = {"id": self.media_id} if self.media_id else {"link": self.link}
        if self.type == "document" and self.filename:
            media["filename"] = self.filename
        return {"type": self.type, self.type: media}


@dataclass(frozen=True)
class ParameterSpec:
    """A parsed ``campaigns.parameters``: values per body/header variable, media, buttons."""

    body: dict[str, Value] = field(default_factory=dict)
    header_text: dict[str, Value] = field(default_factory=dict)
    header_media: MediaHeader | None = None
    buttons: dict[int, Value] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not (self.body or self.header_text or self.header_media or self.buttons)


@dataclass(frozen=True)
class ButtonNeed:
    """A button that needs a value per send: a dynamic URL suffix or a copy-code coupon."""

    index: int
    sub_type: str  # "url" or "copy_code"


@dataclass(frozen=True)
class TemplateShape:
    """What a synced template's components require from a send."""

    named: bool
    body_text: str
    body_params: tuple[str, ...]
    header_format: str | None
    header_text: str
    header_params: tuple[str, ...]
    buttons: tuple[ButtonNeed, ...]


def lookup_field(contact: ContactLike, path: str) -> Any:
    """`name`, `phone`, `attributes.city`, or a bare CSV column name (read from attributes)."""
    if path.startswith("attributes."):
        return contact.attributes.get(path.removeprefix("attributes."))
    if path in _CONTACT_FIELDS:
        return getattr(contact, path, None)
    return contact.attributes.get(path)


def _placeholders(text: str, *, named: bool) -> tuple[str, ...]:
    found = list(dict.fromkeys(PLACEHOLDER.findall(text)))
    if named:
        return tuple(found)
    return tuple(sorted(found, key=lambda key: int(key) if key.isdigit() else 10**9))


def template_shape(
    components: Sequence[Mapping[str, Any]], parameter_format: str | None
) -> TemplateShape:
    """Read the variables of Meta's template components (as synced from message_templates)."""
    named = (parameter_format or "POSITIONAL").upper() == "NAMED"
    body_text = header_text = ""
    header_format: str | None = None
    buttons: list[ButtonNeed] = []
    for component in components:
        kind = str(component.get("type", "")).upper()
        if kind == "BODY":
            body_text = str(component.get("text", ""))
        elif kind == "HEADER":
            header_format = str(component.get("format", "TEXT")).upper()
            header_text = str(component.get("text", "")) if header_format == "TEXT" else ""
        elif kind == "BUTTONS":
            for index, button in enumerate(component.get("buttons", [])):
                button_type = str(button.get("type", "")).upper()
                if button_type == "URL" and PLACEHOLDER.search(str(button.get("url", ""))):
                    buttons.append(ButtonNeed(index, "url"))
                elif button_type == "COPY_CODE":
                    buttons.append(ButtonNeed(index, "copy_code"))
    return TemplateShape(
        named=named,
        body_text=body_text,
        body_params=_placeholders(body_text, named=named),
        header_format=header_format,
        header_text=header_text,
        header_params=_placeholders(header_text, named=named),
        buttons=tuple(buttons),
    )


def _parse_value(where: str, raw: Any) -> Value:
    if isinstance(raw, str):
        field_name, _, fallback = raw.partition(":")
        if not field_name.strip():
            raise RenderError(f"{where}: empty field name in {raw!r}")
        return Value(field=field_name.strip(), fallback=fallback or None)
    if isinstance(raw, Mapping):
        unknown = set(raw) - {"field", "fallback", "text"}
        if unknown:
            raise RenderError(f"{where}: unknown keys {sorted(unknown)}; use field, fallback, text")
        if raw.get("text") is not None:
            return Value(text=str(raw["text"]))
        source, default = raw.get("field"), raw.get("fallback")
        if not source and not default:
            raise RenderError(f"{where}: give a field, a fallback or a text")
        return Value(
            field=str(source) if source else None,
            fallback=str(default) if default is not None else None,
        )
    raise RenderError(f"{where}: expected a field name or an object, got {type(raw).__name__}")


def _parse_values(where: str, raw: Any) -> dict[str, Value]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise RenderError(f"{where}: expected an object of variable → value")
    return {str(key): _parse_value(f"{where} {{{{{key}}}}}", value) for key, value in raw.items()}


def _parse_header(raw: Any) -> tuple[dict[str, Value], MediaHeader | None]:
    if raw is None:
        return {}, None
    if not isinstance(raw, Mapping):
        raise RenderError("header: expected an object like {'type': 'image', 'link': 'https://…'}")
    kind = str(raw.get("type", "text")).lower()
    if kind == "text":
        return _parse_values("header", {k: v for k, v in raw.items() if k != "type"}), None
    if kind not in MEDIA_TYPES:
        raise RenderError(f"header: type {kind!r} is not one of text, {', '.join(MEDIA_TYPES)}")
    link, media_id = raw.get("link"), raw.get("id")
    if bool(link) == bool(media_id):
        raise RenderError(f"header {kind}: give exactly one of 'link' or 'id' (uploaded media id)")
    if link and not str(link).startswith(("https://", "http://")):
        raise RenderError(f"header {kind}: link must be an http(s) URL, got {link!r}")
    if media_id and not str(media_id).isdigit():
        raise RenderError(f"header {kind}: media id must be digits, got {media_id!r}")
    filename = raw.get("filename")
    return {}, MediaHeader(
        type=kind,
        link=str(link) if link else None,
        media_id=str(media_id) if media_id else None,
        filename=str(filename) if filename else None,
    )


def parse_spec(raw: Mapping[str, Any] | None) -> ParameterSpec:
    """Parse ``campaigns.parameters``; every mistake is reported with where it is."""
    if not raw:
        return ParameterSpec()
    unknown = set(raw) - {"body", "header", "buttons"}
    if unknown:
        raise RenderError(
            f"parameters: unknown sections {sorted(unknown)}; use body, header, buttons"
        )
    header_text, header_media = _parse_header(raw.get("header"))
    buttons_raw = _parse_values("buttons", raw.get("buttons"))
    buttons: dict[int, Value] = {}
    for key, value in buttons_raw.items():
        if not key.isdigit():
            raise RenderError(f"buttons: key {key!r} must be the zero-based button index")
        buttons[int(key)] = value
    return ParameterSpec(
        body=_parse_values("body", raw.get("body")),
        header_text=header_text,
        header_media=header_media,
        buttons=buttons,
    )


def _a(noun: str) -> str:
    return f"an {noun}" if noun[0] in "aeiou" else f"a {noun}"


def _compare(where: str, needed: Sequence[str], given: Mapping[str, Value]) -> list[str]:
    problems = [
        f"{where} needs {{{{{key}}}}} but no value is given" for key in needed if key not in given
    ]
    problems += [f"{where} has no {{{{{key}}}}}" for key in given if key not in needed]
    return problems


def check_parameters(
    spec: ParameterSpec, shape: TemplateShape, *, template: str = "template"
) -> None:
    """Count and type checks before the first send (Meta: 132000 count, 132012 format)."""
    problems = _compare("body", shape.body_params, spec.body)
    if shape.header_format == "TEXT" or shape.header_format is None:
        problems += _compare("header", shape.header_params, spec.header_text)
        if spec.header_media is not None:
            problems.append(f"header is not a media header; remove the {spec.header_media.type}")
    elif shape.header_format.lower() in MEDIA_TYPES:
        wanted = shape.header_format.lower()
        if spec.header_media is None:
            problems.append(f"header needs {_a(wanted)}: give a link or an uploaded media id")
        elif spec.header_media.type != wanted:
            problems.append(f"header is {_a(wanted)}, not {_a(spec.header_media.type)}")
    needs = {need.index: need for need in shape.buttons}
    problems += [
        f"button {i} ({n.sub_type}) needs a value"
        for i, n in needs.items()
        if i not in spec.buttons
    ]
    problems += [f"button {i} takes no value" for i in spec.buttons if i not in needs]
    if problems:
        raise RenderError(f"parameters do not fit {template}: " + "; ".join(problems))


def _text_parameters(
    where: str,
    values: Mapping[str, Value],
    order: Sequence[str],
    contact: ContactLike | None,
    named: bool,
) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for key in order:
        text = values[key].resolve(contact)
        if text is None:
            who = f"contact {contact.phone or contact.name}" if contact is not None else "preview"
            raise EmptyParameterError(
                f"{who}: {where} {{{{{key}}}}} ({values[key].describe()}) is empty "
                "and has no fallback"
            )
        parameter: dict[str, Any] = {"type": "text", "text": text}
        if named:
            parameter["parameter_name"] = key
        out.append(parameter)
    return out


def _spec_order(values: Mapping[str, Value]) -> tuple[str, ...]:
    """Without a synced template: numeric keys in number order, names as given."""
    if all(key.isdigit() for key in values):
        return tuple(sorted(values, key=int))
    return tuple(values)


def render_components(
    spec: ParameterSpec, shape: TemplateShape | None, contact: ContactLike
) -> list[dict[str, Any]]:
    """The `template.components` for one contact; only components that carry parameters."""
    named = shape.named if shape else not all(key.isdigit() for key in spec.body)
    components: list[dict[str, Any]] = []
    if spec.header_media is not None:
        components.append({"type": "header", "parameters": [spec.header_media.parameter()]})
    elif spec.header_text:
        order = shape.header_params if shape else _spec_order(spec.header_text)
        params = _text_parameters("header", spec.header_text, order, contact, named)
        components.append({"type": "header", "parameters": params})
    if spec.body:
        order = shape.body_params if shape else _spec_order(spec.body)
        params = _text_parameters("body", spec.body, order, contact, named)
        components.append({"type": "body", "parameters": params})
    kinds = {need.index: need.sub_type for need in shape.buttons} if shape else {}
    for index in sorted(spec.buttons):
        text = _text_parameters(
            f"button {index}", {"0": spec.buttons[index]}, ["0"], contact, False
        )[0]["text"]
        sub_type = kinds.get(index, "url")
        parameter = (
            {"type": "coupon_code", "coupon_code": text}
            if sub_type == "copy_code"
            else {"type": "text", "text": text}
        )
        components.append(
            {"type": "button", "sub_type": sub_type, "index": str(index), "parameters": [parameter]}
        )
    return components


def render_body(spec: ParameterSpec, shape: TemplateShape, contact: ContactLike | None) -> str:
    """The body text one contact would read (for previews and `--dry-run`)."""
    values: dict[str, str] = {}
    for key, value in spec.body.items():
        values[key] = value.resolve(contact) or f"[empty {key}]"

    def substitute(match: re.Match[str]) -> str:
        return values.get(match.group(1), match.group(0))

    text = PLACEHOLDER.sub(substitute, shape.body_text)
    if len(text) > BODY_MAX_CHARS:
        raise RenderError(
            f"body is {len(text)} characters for this contact; Meta's limit is {BODY_MAX_CHARS}"
        )
    return text


def parse_options(
    params: Sequence[str] = (), header: str | None = None, buttons: Sequence[str] = ()
) -> dict[str, Any]:
    """CLI options → a parameters object.

    ``--param 1=name:Müşterimiz`` (field, then an optional fallback after the first colon),
    ``--param 2==SUMMER`` (a leading ``=`` is fixed text), ``--header image=https://…`` or
    ``--header document=1479537139650973`` (digits: an uploaded media id),
    ``--button 1=attributes.code``.
    """
    spec: dict[str, Any] = {}
    for where, flag, options in (("body", "--param", params), ("buttons", "--button", buttons)):
        for option in options:
            key, sep, value = option.partition("=")
            if not sep or not key.strip() or not value:
                raise RenderError(f"{flag}: expected KEY=FIELD[:FALLBACK], got {option!r}")
            entry: Any = {"text": value[1:]} if value.startswith("=") else value
            spec.setdefault(where, {})[key.strip()] = entry
    if header:
        kind, sep, source = header.partition("=")
        if not sep or not source:
            raise RenderError(f"--header: expected TYPE=LINK_OR_MEDIA_ID, got {header!r}")
        key = "id" if source.isdigit() else "link"
        spec["header"] = {"type": kind.strip().lower(), key: source}
    parse_spec(spec)
    return spec
