"""Tag and audience refusals in the reader's language.

`domain/audience.py`, `storage/audiences.py`, `contacts/tagging.py`, `contacts/selection.py`
and the send form refuse a tag, a condition or a contact selection with an English sentence
(the CLI prints it, the API's JSON carries it). The panel and a Turkish API caller see the
locale's ``audience_error.*`` text instead, matched like web/reasons.py matches the other
refusals; tags, conditions and values quoted from the input are kept as they were written. A
sentence no pattern knows stays English.
"""

from __future__ import annotations

from wabroadcast.web.i18n import Translator
from wabroadcast.web.sentences import first_match, sentences

_TAG = r"(?P<tag>'.*'|\".*\")"
_CONDITION = r"(?P<condition>'.*'|\".*\")"
_REFUSALS = sentences(
    (
        (r"a tag is empty", "tag_empty"),
        (r"tag " + _TAG + r" holds ';', which separates tags", "tag_semicolon"),
        (r"tag " + _TAG + r" holds a control character", "tag_control"),
        (r"tag " + _TAG + r"… is longer than (?P<max>\d+) characters", "tag_too_long"),
        (r"tags must be text separated by ';' or a list of texts, got (?P<type>\w+)",
         "tags_type"),
        (r"at most (?P<max>\d+) tags at once, got (?P<got>\d+)", "too_many_tags"),
        (r"at most (?P<max>\d+) conditions, got (?P<got>\d+)", "too_many_conditions"),
        (r"(?P<count>\d+) tags; a contact may get at most (?P<max>\d+) in one row",
         "row_tags"),
        (r"condition " + _CONDITION + r" is not FIELD OP VALUE; write e\.g\. 'city = İzmir' "
         r"or 'attributes\.plan in \(gold, silver\)' \(OP is =, !=, in or not in\)",
         "condition_shape"),
        (r"condition " + _CONDITION + r": (?P<field>'.*'|\".*\") is not an attribute name",
         "condition_field"),
        (r"condition " + _CONDITION + r": '(?P<op>[a-z ]+)' takes a list, e\.g\. "
         r"\(gold, silver\)", "condition_needs_list"),
        (r"condition " + _CONDITION + r": the list has an empty value", "condition_empty_item"),
        (r"condition " + _CONDITION + r": a list needs 'in', not '(?P<op>[=!]+)'",
         "condition_list_op"),
        (r"condition " + _CONDITION + r" has no value after '(?P<op>[=!]+)'",
         "condition_no_value"),
        (r"match must be 'any' or 'all', got (?P<got>.*)", "match"),
        (r"exclude_replied_days must be from 1 to (?P<max>\d+), got (?P<got>.*)",
         "replied_days_range"),
        (r"exclude_replied_days must be a whole number, got (?P<got>.*)", "replied_days_type"),
        (r"tag " + _TAG + r" is both wanted and excluded", "tag_both"),
        (r"no contact has tag " + _TAG + r"; the tags are: (?P<tags>.*)", "no_such_tag"),
        (r"no contact has tag " + _TAG + r"; no contact has any tag yet", "no_tags_yet"),
        (r"give phones or a filter, not both", "phones_and_filter"),
        (r"no contacts chosen: give phones, a filter \(search, tag, opted out\) or all",
         "nothing_chosen"),
        (r"nothing to do: give tags to add or remove", "nothing_to_do"),
    )
)  # fmt: skip


def audience_reason_text(message: str, t: Translator) -> str | None:
    """The refusal in the reader's language, or None when it is not a tag/audience one."""
    found = first_match(_REFUSALS, message)
    if found is None:
        return None
    key, values = found
    return t(f"audience_error.{key}", **values)


def audience_text(message: str, t: Translator) -> str:
    """As :func:`audience_reason_text`; a sentence it does not know is returned unchanged."""
    shown = audience_reason_text(message, t)
    return message if shown is None else shown
