"""Stored reasons and import rejections in the reader's language.

Failure reasons are stored in English as ``campaigns.failures`` keys and as a failed status
webhook's code and title ("131026 Message undeliverable"), and a contact's unreachable reason
as "131026: …". They stay English in the database,
the API's JSON and the CLI (scripts match on them); the panel shows each with the translated
explanation of its Cloud API error code from the locale files (``error_code.<code>``).

Import rejections are English sentences too (the CLI prints them and writes them to the
``--report`` CSV); the panel matches each against the patterns below and shows the locale's
``import_reason.*`` text with the same values. A sentence no pattern knows is shown as it is.
Why a campaign stopped (``campaigns.error``: "template 'x' (tr) is paused by Meta for low
quality", "paused after 5 sends in a row failed (last: …)") goes through ``campaign_error.*``.
Schedule notes ("2026-12-07 10:00Z 2026-12-07 campaign completed: 225 accepted, 0 failed")
are translated the same way (``schedule_note.*``), keeping their times and numbers.
Why a campaign is refused before it is created (``CampaignRefused``, ``TemplateNotSendable``,
``RenderError``: "template 'x' is PAUSED") is an ``api_error.*`` like any API error; where
the English names a CLI command or option, the locale's text names the panel's action instead.
Tag and audience refusals have their own table (web/audience_reasons.py), tried when none
here matches.
"""

from __future__ import annotations

import re

from wabroadcast.cloudapi.errors import reason as english_reason
from wabroadcast.domain.render import MEDIA_TYPES
from wabroadcast.engine.outcomes import NO_ANSWER
from wabroadcast.storage.stats import failure_reason as webhook_failure_reason
from wabroadcast.web.audience_reasons import audience_text
from wabroadcast.web.i18n import Translator
from wabroadcast.web.sentences import first_match, sentences

_PERMISSION_CODES = range(200, 300)
_WITHOUT_CODE = {
    NO_ANSWER: "failure.no_answer",
    webhook_failure_reason(None, None): "failure.failed",
}


def failure_text(reason: str, t: Translator) -> str:
    """`131026 undeliverable…` → `131026 teslim edilemedi…` in Turkish; the code is kept so a
    reader can look it up. A code the table does not list keeps Meta's own title."""
    if reason in _WITHOUT_CODE:
        return t(_WITHOUT_CODE[reason])
    head, _, rest = reason.partition(" ")
    if not head.rstrip(":").isdigit() or len(head) > 12:
        return reason
    code = int(head.rstrip(":"))
    key = f"error_code.{code}"
    if t.has(key):
        return f"{code} {t(key)}"
    if rest == english_reason(code):  # the engine's words for an unlisted code
        generic = "error_code.permission" if code in _PERMISSION_CODES else "error_code.unlisted"
        return f"{code} {t(generic)}"
    return reason


_PHONE_PROBLEMS = {
    "unknown country code": "unknown_country",
    "not a phone number": "not_a_phone",
    "too short": "too_short",
    "too long": "too_long",
    "not a valid phone number": "invalid_phone",
    "not a valid number for its country": "invalid_for_country",
}
_JSON_AT = re.compile(
    r"broken JSON at line (?P<line>\d+), column (?P<column>\d+): (?P<detail>.*)", re.DOTALL
)
_JSON_DETAILS = sentences(
    (
        (r"missing ',' after element (?P<element>\d+) \(the next one is read\)",
         "missing_comma"),
        (r"the file ends inside the list \(truncated\?\)", "ends_inside"),
        (r"(?P<detail>.*); nothing after it was read", "nothing_after"),
    )
)  # fmt: skip
_IMPORT_PATTERNS = sentences(
    (
        (r"no phone number", "no_phone"),
        (r"phone number must be text, got (?P<type>\w+)", "phone_type"),
        (r"name longer than (?P<limit>\d+) characters", "name_too_long"),
        (r"name must be text, got (?P<type>\w+)", "name_type"),
        (r"index must be a whole number, got (?P<value>.*)", "index_type"),
        (r"duplicate: (?P<phone>\S+) is already on line (?P<line>\d+)", "duplicate_line"),
        (r"duplicate: (?P<phone>\S+) is already earlier in this file", "duplicate_earlier"),
        (r"broken JSON: missing ',' after element (?P<element>\d+) \(the next one is read\)",
         "json_missing_comma"),
        (r"broken JSON: the file ends inside the list \(truncated\?\)", "json_truncated"),
        (r"broken JSON: (?P<detail>.*)", "broken_json"),
        (r"broken CSV: (?P<detail>.*)", "broken_csv"),
        (r'element is (?P<type>\w+), not an object \{"id": \.\.\.\}', "not_an_object"),
        (r"not valid (?P<encoding>\S+) text; if the file was saved as cp1254 or latin-1, "
         r"use --encoding", "not_encoding"),
        (r"text holds a lone surrogate .*", "surrogate"),
        (r"(?P<fields>\d+) fields but the header has (?P<width>\d+) "
         r"\(an unquoted '(?P<delimiter>.)'\?\)", "too_many_fields"),
        (r"unbalanced quote: a quoted field starts on this line and runs over line "
         r"(?P<line>\d+), which looks like a row of its own;.*", "quote_runs_over"),
        (r"unbalanced quote: a quoted field starts on this line and is never closed;.*",
         "quote_never_closed"),
        (r"(?P<problem>" + "|".join(map(re.escape, _PHONE_PROBLEMS)) + r"): (?P<value>.*)",
         "phone"),
    )
)  # fmt: skip


def import_reason_text(reason: str, t: Translator) -> str:
    """`not a valid number for its country: '0555'` → `ülkesi için geçerli bir numara
    değil: '0555'` in Turkish; values from the file are kept as they are."""
    placed = _JSON_AT.fullmatch(reason)
    if placed is not None:
        detail = placed["detail"]
        known = first_match(_JSON_DETAILS, detail)
        if known is not None:
            detail = t(f"import_reason.{known[0]}", **known[1])
        return t(
            "import_reason.json_at", line=placed["line"], column=placed["column"], detail=detail
        )
    known = first_match(_IMPORT_PATTERNS, reason)
    if known is None:
        return audience_text(reason, t)  # a row's unreadable tags
    key, values = known
    if key == "phone":
        key = _PHONE_PROBLEMS[str(values.pop("problem"))]
    return t(f"import_reason.{key}", **values)


_ENCODING_HINT = (
    r"not valid (?P<encoding>\S+) text; if the file was saved as cp1254 or latin-1, use --encoding"
)
_IMPORT_ERRORS = sentences(
    (
        (r"cannot open (?P<file>.*?): (?P<detail>.*)", "cannot_open"),
        (r"(?P<file>.*?): line (?P<line>\d+), column (?P<column>\d+): expected a JSON list "
         r"of contacts `\[\{\.\.\.\}, \.\.\.\]`, found the end of the file", "json_empty"),
        (r"(?P<file>.*?): line (?P<line>\d+), column (?P<column>\d+): expected a JSON list "
         r"of contacts `\[\{\.\.\.\}, \.\.\.\]`, found (?P<found>.*)", "json_not_list"),
        (r"(?P<file>.*?): line (?P<line>\d+), column (?P<column>\d+): " + _ENCODING_HINT,
         "json_encoding"),
        (r"(?P<file>.*?): line (?P<line>\d+), column (?P<column>\d+): (?P<detail>.*)",
         "json_broken"),
        (r"(?P<file>.*?): the file is empty \(a header row is needed\)", "csv_empty"),
        (r"(?P<file>.*?): line 1: header is not readable CSV: (?P<detail>.*)",
         "csv_header_broken"),
        (r"(?P<file>.*?): line 1: header is " + _ENCODING_HINT, "csv_header_encoding"),
        (r"(?P<file>.*?): cannot tell which column holds the phone number \(header: "
         r"(?P<header>.*)\); name it with --phone-column", "csv_no_phone_column"),
        (r"no column named (?P<column>.*); the header has: (?P<header>.*)", "csv_no_column"),
        (r"(?P<file>.*?): the file is (?P<found>\S+) text \((?:starts with a byte order mark|"
         r"has a 0 byte in each character)\), not (?P<encoding>\S+); use --encoding \S+",
         "wrong_encoding"),
        (r"unknown encoding (?P<encoding>.*)", "unknown_encoding"),
        (r"(?P<encoding>.*) is not a text encoding for files; use e\.g\. utf-8, utf-16, "
         r"cp1254 or latin-1", "not_text_encoding"),
        (r"unknown format (?P<format>.*); use json or csv", "unknown_format"),
    )
)  # fmt: skip


def import_error_text(message: str, t: Translator) -> str:
    """Why a whole file could not be imported (`UnreadableFile`), in the reader's language,
    in the panel's terms (no CLI options); file names, lines and columns are kept."""
    known = first_match(_IMPORT_ERRORS, message)
    if known is None:
        return message
    key, values = known
    return t(f"import_error.{key}", **values)


def rejection_place(file: str, line: int | None, element: int | None, t: Translator) -> str:
    """`contacts.json:12 (element 3)` with the words in the reader's language."""
    place = f"{file}:{line}" if line is not None else file
    return t("import_reason.element", place=place, element=element) if element else place


_NOTE_LINE = re.compile(
    r"(?P<stamp>\d{4}-\d\d-\d\d \d\d:\d\dZ) (?:(?P<day>\d{4}-\d\d-\d\d) )?(?P<text>.*)"
)
_NOTE_PATTERNS = sentences(
    (
        (r"created", "created"),
        (r"paused", "paused"),
        (r"resumed", "resumed"),
        (r"finished: every eligible contact has the template", "finished"),
        (r"no eligible contact left", "no_contact_left"),
        (r"skipped: nothing was running at (?P<time>\S+) (?P<zone>\S+); not made up, so no "
         r"day sends more than (?P<daily>\d+)", "skipped"),
        (r"(?P<days>\d+) days skipped \((?P<first>\S+) to (?P<last>\S+)\): nothing was "
         r"running at their time; not made up", "days_skipped"),
        (r"not started: (?P<detail>.*)", "not_started"),
        (r"the process stopped before the day's campaign started", "stopped_before_start"),
        (r"the sending window closed before the day's contacts were all sent", "window_closed"),
        (r"the day ended before its campaign did \(was the process stopped\?\)", "day_ended"),
        (r"paused: the sending window closes; (?P<accepted>\d+) accepted, (?P<failed>\d+) "
         r"failed so far", "window_pause"),
        (r"campaign (?P<state>[a-z]+) \((?P<error>.*)\): (?P<accepted>\d+) accepted, "
         r"(?P<failed>\d+) failed", "campaign_error"),
        (r"campaign (?P<state>[a-z]+): (?P<accepted>\d+) accepted, (?P<failed>\d+) failed",
         "campaign"),
    )
)  # fmt: skip


def _lower(text: str, language: str) -> str:
    """Lower case as the language writes it (Turkish İ → i, I → ı)."""
    if language == "tr":
        text = text.replace("İ", "i").replace("I", "ı")
    return text.lower()


def schedule_note_text(line: str, t: Translator) -> str:
    """One line of a schedule's notes with its words in the reader's language."""
    found = _NOTE_LINE.fullmatch(line)
    if found is None:
        return line
    text = found["text"]
    known = first_match(_NOTE_PATTERNS, text)
    if known is not None:
        key, values = known
        if "state" in values:
            values["state"] = _lower(t(f"state.{values['state']}"), t.language)
        for name in ("accepted", "failed", "daily", "days"):
            if name in values:
                values[name] = t.number(int(str(values[name])))
        if key == "not_started":  # the day's campaign was refused: say why in words too
            values["detail"] = api_error_text(str(values["detail"]), t)
        text = t(f"schedule_note.{key}", **values)
    # The run's day only when it is not the stamp's own date ("… 10:00Z 2026-12-07 …" twice).
    shown = found["day"] and not found["stamp"].startswith(found["day"])
    day = f"{found['day']} " if shown else ""
    return f"{found['stamp']} {day}{text}"


_CAMPAIGN_ERRORS = sentences(
    (
        (r"interrupted", "interrupted"),
        (r"outside the schedule's sending window", "outside_window"),
        (r"sending lease lost", "lease_lost"),
        (r"database error", "database"),
        (r"access token invalid or expired", "token"),
        (r"template '(?P<template>.*)' does not exist in language '(?P<language>.*)'",
         "no_template"),
        (r"template '(?P<template>.*)' \((?P<language>[^)]*)\) paused by Meta for low quality "
         r"\(132015\) — held messages were dropped; unpause the template in WhatsApp Manager, "
         r"then resume", "held_dropped"),
        (r"template '(?P<template>.*)' \((?P<language>[^)]*)\) paused by Meta for low quality "
         r"\(132015\); unpause the template in WhatsApp Manager, then resume",
         "template_paused_resume"),
        (r"template '(?P<template>.*)' \((?P<language>[^)]*)\) is paused by Meta for low "
         r"quality", "template_paused"),
        (r"template '(?P<template>.*)' \((?P<language>[^)]*)\) is permanently disabled by "
         r"Meta", "template_disabled"),
        (r"template '(?P<template>.*)' \((?P<language>[^)]*)\) was (?P<event>\w+) by Meta"
         r"(?: \(reason: (?P<meta>.*)\))?", "template_event"),
        (r"paused: (?P<reason>.*) \(Cloud API error (?P<code>\d+)(?P<trace>, fbtrace_id \S+)?"
         r"\); check the number's quality in WhatsApp Manager, then resume the campaign",
         "paused_quality"),
        (r"paused after (?P<count>\d+) sends in a row failed \(last: (?P<last>.*)\)",
         "error_streak"),
        (r"paused: the business portfolio has not accepted the Marketing Messages API terms: "
         r"accept them in WhatsApp Manager \(or Meta Business Suite\) under the Marketing "
         r"Messages API alert, then resume the campaign", "mm_terms"),
        (r"paused: template still syncing to the Marketing Messages API \(Cloud API error "
         r"134101(?P<trace>, fbtrace_id \S+)?\); a new or changed template can take about 10 "
         r"minutes to reach it: resume the campaign later", "mm_syncing"),
        (r"the Marketing Messages API refused template '(?P<template>.*)' \((?P<language>[^)]*)"
         r"\) as not a MARKETING template \(Cloud API error (?P<number>\d+)\); Meta may have "
         r"recategorised it: sync the templates and send again \(a template that is not "
         r"MARKETING any more goes through /messages\)", "mm_not_marketing"),
        (r"(?P<reason>.*) \(Cloud API error (?P<code>\d+): (?P<message>.*)\)", "fatal"),
    )
)  # fmt: skip


_CAMPAIGN_NOTES = sentences(
    (
        (r"sent through /messages from (?P<time>.+?) UTC: the business portfolio has not "
         r"accepted the Marketing Messages API terms \(accept them in WhatsApp Manager or Meta "
         r"Business Suite\); the next run tries the Marketing Messages API again",
         "fallback_terms"),
        (r"sent through /messages from (?P<time>.+?) UTC: the template is not eligible for the "
         r"Marketing Messages API \(134102\); the next run tries the Marketing Messages API "
         r"again", "fallback_ineligible"),
    )
)  # fmt: skip
"""The notes engine/routing.py writes on a campaign."""


def campaign_note_text(note: str, t: Translator) -> str:
    """A campaign's note in the reader's language; an unknown one as written."""
    known = first_match(_CAMPAIGN_NOTES, note)
    if known is None:
        return note
    key, values = known
    return t(f"campaign_note.{key}", **values)


def campaign_error_text(error: str, t: Translator) -> str:
    """Why a campaign stopped, in the reader's language; Meta's own words stay as sent. A
    campaign refused when its run began (template no longer APPROVED, parameters that do not
    fit) keeps the refusal's sentence, translated like the API's."""
    known = first_match(_CAMPAIGN_ERRORS, error)
    if known is None:
        return api_error_text(error, t)
    key, values = known
    if "code" in values:
        values["reason"] = failure_text(f"{values['code']} {values['reason']}", t)
    if key == "error_streak":
        last = str(values["last"])
        values["last"] = t("failure.no_answer") if last == "no answer" else failure_text(last, t)
    if key == "template_event" and values["meta"]:
        key = "template_event_reason"
    return t(f"campaign_error.{key}", **values)


_MEDIA = "|".join(MEDIA_TYPES)
_PARAMETER_PROBLEMS = sentences(
    (
        (r"(?P<where>body|header) needs (?P<variable>\{\{\w+\}\}) but no value is given",
         "missing"),
        (r"(?P<where>body|header) has no (?P<variable>\{\{\w+\}\})", "extra"),
        (r"header is not a media header; remove the (?P<kind>" + _MEDIA + ")", "not_media"),
        (r"header needs an? (?P<kind>" + _MEDIA + "): give a link or an uploaded media id",
         "media_missing"),
        (r"header is an? (?P<wanted>" + _MEDIA + "), not an? (?P<kind>" + _MEDIA + ")",
         "media_other"),
        (r"button (?P<index>\d+) \((?P<kind>url|copy_code)\) needs a value", "button_missing"),
        (r"button (?P<index>\d+) takes no value", "button_extra"),
    )
)  # fmt: skip
"""What `check_parameters` finds wrong, joined by "; " after "parameters do not fit …"."""
_NEXT_PROBLEM = re.compile(r"; (?=(?:body|header|button) )")
"""Where the next problem starts (a problem may hold "; " itself: "…; remove the image")."""
_NEXT_CONTACT = re.compile(r"; (?=contact )")
_EMPTY_VALUE = re.compile(
    r"contact (?P<phone>\S+): (?P<where>.+?) (?P<variable>\{\{\w+\}\}) \((?P<source>.*)\) "
    r"is empty and has no fallback",
    re.DOTALL,
)
_LATER = r"(?:; (?P<count>\d+) will become eligible, the first from (?P<first>.+))?"
_API_ERRORS = sentences(
    (
        (r"(?P<what>campaign|contact|schedule) (?P<id>.*) does not exist", "not_found"),
        (r"authentication required: send 'Authorization: Bearer <WABROADCAST_API_TOKEN>'",
         "auth_required"),
        (r"wrong API token", "wrong_token"),
        (r"missing or wrong CSRF token; reload the page(?: and try again)?", "csrf"),
        (r"too many failed logins from this address; try again in (?P<minutes>\d+) "
         r"minute\(s\)", "too_many_logins"),
        (r"request body larger than (?P<limit>[\d,]+) bytes \(the (?P<setting>\w+) setting\)",
         "body_too_large"),
        (r"request body larger than (?P<limit>[\d,]+) bytes", "body_too_large_plain"),
        (r"(?P<file>.*: )?file larger than (?P<limit>[\d,]+) bytes \(the MAX_UPLOAD_BYTES "
         r"setting\)", "upload_too_large"),
        (r"(?P<count>[\d,]+) phone numbers in one call; at most (?P<max>[\d,]+) \(split the "
         r"list\)", "too_many_phones"),
        (r"template '(?P<name>.*)' does not exist; the account has: (?P<known>.*)",
         "template_missing"),
        (r"template '(?P<name>.*)' does not exist; the account has none", "template_none"),
        (r"the template name is empty", "template_empty"),
        (r"the limit must be from 1 to (?P<max>[\d,]+), got (?P<got>.*)", "limit_range"),
        (r"(?P<name>.*) is not a template name: Meta's names are at most (?P<max>\d+) "
         r"lowercase letters, digits and underscores \(e\.g\. daily_offer\)",
         "not_template_name"),
        (r"(?P<language>.*) is not a language code; use the template's code exactly as "
         r"approved, e\.g\. tr or en_US", "not_language_code"),
        (r"phone number id (?P<id>.*) is not configured \(PHONE_NUMBER_ID / PHONE_NUMBERS "
         r"list: (?P<known>.*)\)", "unknown_phone_number"),
        (r"template '(?P<name>.*)' is not known here and the Cloud API cannot be asked now "
         r"\(sending is unavailable\); sync templates when it is", "template_unknown_offline"),
        (r"template '(?P<name>.*)' is not known here and the template list could not be read "
         r"from the Cloud API \((?P<error>.*)\); try again, or run `wabroadcast templates "
         r"sync`", "template_list_unreadable"),
        (r"template '(?P<name>.*)' does not exist in language '(?P<language>.*)'; it exists "
         r"in: (?P<available>.*)", "template_language"),
        (r"template '(?P<name>.*)' is (?P<status>[A-Z_]+)", "template_status"),
        (r"parameters do not fit template '(?P<name>.*)' \((?P<language>[^)]*)\): "
         r"(?P<problems>.*)", "parameters_misfit"),
        (r"(?P<count>\d+) contacts lack a value and the parameter has no fallback: "
         r"(?P<shown>.*?)(?: \(and (?P<more>\d+) more\))?\. Add a fallback, e\.g\. "
         r"--param 1=name:Müşterimiz", "contacts_lack_value"),
        (r"parameters: unknown sections (?P<sections>\[.*\]); use body, header, buttons",
         "parameter_sections"),
        (r"buttons: key (?P<key>.*) must be the zero-based button index", "button_key"),
        (r"header: expected an object like (?P<example>\{.*\})", "header_object"),
        (r"header: type (?P<kind>.*) is not one of (?P<kinds>text, .*)", "header_kind"),
        (r"header (?P<kind>" + _MEDIA + r"): give exactly one of 'link' or 'id' \(uploaded "
         r"media id\)", "header_link_or_id"),
        (r"header (?P<kind>" + _MEDIA + r"): link must be an http\(s\) URL, got (?P<link>.*)",
         "header_link"),
        (r"header (?P<kind>" + _MEDIA + r"): media id must be digits, got (?P<id>.*)",
         "header_media_id"),
        (r"(?P<where>.*?): empty field name in (?P<raw>.*)", "value_empty_field"),
        (r"(?P<where>.*?): unknown keys (?P<keys>\[.*\]); use field, fallback, text",
         "value_keys"),
        (r"(?P<where>.*?): give a field, a fallback or a text", "value_missing"),
        (r"(?P<where>.*?): expected a field name or an object, got (?P<type>\w+)",
         "value_type"),
        (r"(?P<where>.*?): expected an object of variable → value", "values_type"),
        (r"--param: expected KEY=FIELD\[:FALLBACK\], got (?P<option>.*)", "param_line"),
        (r"String should match pattern '(?P<pattern>.*)'", "pattern_mismatch"),
        (r"String should have at most (?P<max>[\d,]+) characters?", "too_long"),
        (r"String should have at least (?P<min>[\d,]+) characters?", "too_short"),
        (r"sending is unavailable: (?P<reason>.*)", "sending_unavailable"),
        (r"template sync is unavailable: (?P<reason>.*)", "sync_unavailable"),
        (r"the Cloud API refused the access token \(error (?P<code>\d+)\): check "
         r"WHATSAPP_ACCESS_TOKEN; it may be expired, revoked or for another app",
         "sync_token_refused"),
        (r"the WhatsApp Business Account id '(?P<waba>.*)' does not exist or the token may "
         r"not read its templates \(error 100\): check WABA_ID \((?P<message>.*)\)",
         "sync_waba_unknown"),
        (r"template sync failed: (?P<error>.*)", "sync_failed"),
        (r"no schedule with id (?P<id>\d+)", "no_schedule"),
        (r"template name is empty", "template_name_empty"),
        (r"language is empty \(for example tr or en_US\)", "language_empty"),
        (r"daily count must be between 1 and (?P<max>[\d,]+), got (?P<got>.*)",
         "daily_count_range"),
        (r"(?P<time>time|time of day|window start|window end) must be HH:MM \(24-hour\), "
         r"got (?P<value>.*)", "time_format"),
        (r"unknown time zone (?P<zone>.*); use an IANA name such as Europe/Istanbul",
         "unknown_time_zone"),
        (r"a sending window needs both a start and an end", "window_half"),
        (r"sending window start and end are equal; leave both out instead", "window_equal"),
        (r"schedule (?P<id>\d+) is (?P<schedule_state>[a-z]+), not active",
         "schedule_not_active"),
        (r"schedule (?P<id>\d+) is (?P<schedule_state>[a-z]+), not paused",
         "schedule_not_paused"),
        (r"campaign (?P<id>\d+) is (?P<state>[a-z]+); it cannot change", "campaign_final"),
        (r"campaign (?P<id>\d+) is (?P<state>[a-z]+); it cannot be (?P<cannot>[a-z]+)",
         "campaign_move"),
        (r"campaign (?P<id>\d+) is still running; retry once it has ended", "retry_running"),
        (r"campaign (?P<id>\d+) has nothing left to retry: every contact it released got the "
         r"template since, opted out or became unreachable", "retry_nothing_left"),
        (r"campaign (?P<id>\d+) has no send that failed for a retryable reason \(failures: "
         r"none\)", "retry_no_failures"),
        (r"campaign (?P<id>\d+) has no send that failed for a retryable reason \(failures: "
         r"(?P<failures>.*)\)", "retry_not_retryable"),
        (r"(?P<text>'.*') is not a retarget condition; use one of: (?P<choices>.*)",
         "retarget_when"),
        (r"after_days must be from (?P<min>\d+) to (?P<max>\d+) days, got (?P<got>.*)",
         "retarget_days"),
        (r"template '(?P<name>[^']*)' is the one campaign (?P<id>\d+) sent; a retarget sends "
         r"another template \(never-twice keeps the same one from everybody it reached\)",
         "retarget_same_template"),
        (r"campaign (?P<id>\d+) is still running; retarget it once it has ended or paused",
         "retarget_running"),
        (r"nobody is eligible yet: no contact of campaign (?P<id>\d+) did not read its send "
         r"for (?P<days>\d+) days and can still get template '(?P<name>[^']*)'" + _LATER,
         "retarget_nobody_read"),
        (r"nobody is eligible yet: no contact of campaign (?P<id>\d+) did not reply to its "
         r"send for (?P<days>\d+) days and can still get template '(?P<name>[^']*)'" + _LATER,
         "retarget_nobody_replied"),
        (r"internal error; the server log has the details", "internal"),
        (r"broken JSON at line (?P<line>\d+), column (?P<column>\d+): (?P<why>.*)",
         "broken_json"),
        (r"method not allowed", "method_not_allowed"),
        (r"not found", "route_not_found"),
    )
)  # fmt: skip
_VALIDATION_TYPES = frozenset(
    {"missing", "int_parsing", "int_type", "string_type", "bool_parsing", "extra_forbidden"}
)


def api_error_text(message: str, t: Translator) -> str:
    """An API error message in the reader's language; one no pattern knows stays English."""
    known = first_match(_API_ERRORS, message)
    if known is None:
        return audience_text(message, t)
    key, values = known
    if "what" in values:
        values["what"] = t(f"api_error.what.{values['what']}")
    _word_values(values, t)
    if key == "parameters_misfit":
        values["problems"] = _parameter_problems(str(values["problems"]), t)
    if key == "contacts_lack_value":
        values["shown"] = _empty_values(str(values["shown"]), t)
        more = str(values["more"])
        values["more"] = t("api_error.and_more", more=t.number(int(more))) if more else ""
        values["count"] = t.number(int(str(values["count"])))
    if key.startswith("retarget_nobody"):
        count, first = str(values.pop("count")), values.pop("first")
        values["later"] = (
            t("api_error.retarget_later", count=t.number(int(count)), first=first) if count else ""
        )
    return t(f"api_error.{key}", **values)


_UNAVAILABLE_REASONS = {
    "WHATSAPP_ACCESS_TOKEN is not set, so the Graph API cannot be used": "no_token",
    "the server has not finished starting": "starting",
    "an access token is required": "token_required",
    "no Cloud API client": "no_client",
}
"""Why the app has no Cloud API client (app.py's lifespan, CloudAPIClient.from_settings)."""


def unavailable_reason_text(reason: str, t: Translator) -> str:
    """Why sending (or a template sync) is unavailable, in the reader's language; a reason
    the table does not list stays English."""
    key = _UNAVAILABLE_REASONS.get(reason)
    return t(f"api_error.unavailable.{key}") if key is not None else reason


def _word_values(values: dict[str, object], t: Translator) -> None:
    """States, the refused change, the time field and the unavailable reason as words."""
    if "state" in values:
        values["state"] = _lower(t(f"state.{values['state']}"), t.language)
    if "schedule_state" in values:
        values["schedule_state"] = _lower(
            t(f"schedule_state.{values['schedule_state']}"), t.language
        )
    if "cannot" in values:
        values["cannot"] = t(f"api_error.cannot.{values['cannot']}")
    if "time" in values:
        values["time"] = t(f"api_error.time.{str(values['time']).replace(' ', '_')}")
    if "reason" in values:
        values["reason"] = unavailable_reason_text(str(values["reason"]), t)


def _parameter_problems(problems: str, t: Translator) -> str:
    """Each of `check_parameters`' problems in the reader's language; one no pattern knows
    stays English. Media types become words (`an image` / `görsel`)."""
    shown = []
    for problem in _NEXT_PROBLEM.split(problems):
        known = first_match(_PARAMETER_PROBLEMS, problem)
        if known is None:
            shown.append(problem)
            continue
        key, values = known
        family = "media" if key == "not_media" else "media_a"
        for name in ("kind", "wanted"):
            if name in values and key != "button_missing":
                values[name] = t(f"api_error.{family}.{values[name]}")
        shown.append(t(f"api_error.parameter.{key}", **values))
    return "; ".join(shown)


def _empty_values(shown: str, t: Translator) -> str:
    """`contact +90…: body {{1}} (name) is empty and has no fallback; …` translated one by
    one; the phone numbers, variables and field names are kept."""
    parts = []
    for part in _NEXT_CONTACT.split(shown):
        found = _EMPTY_VALUE.fullmatch(part)
        parts.append(t("api_error.empty_value", **found.groupdict()) if found else part)
    return "; ".join(parts)


def validation_text(message: str, kind: str, t: Translator) -> str:
    """One of pydantic's checks in the reader's language, by its stable error type."""
    if kind in _VALIDATION_TYPES:
        return t(f"validation.{kind}")
    return api_error_text(message, t)
