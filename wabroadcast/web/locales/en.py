"""English messages of the panel. Keys are shared with tr.py (tests check both match)."""

from __future__ import annotations

from wabroadcast.cloudapi.errors import ERROR_TABLE

MESSAGES: dict[str, str] = {
    "app.name": "wabroadcast",
    "sandbox.banner": "Sandbox: messages go to the built-in simulator",
    "lang.en": "English",
    "lang.tr": "Türkçe",
    "nav.label": "Main navigation",
    "nav.dashboard": "Overview",
    "nav.send": "Send",
    "nav.campaigns": "Campaigns",
    "nav.contacts": "Contacts",
    "nav.templates": "Templates",
    "nav.webhooks": "Webhook log",
    "nav.stats": "Stats",
    "nav.logout": "Log out",
    "pager.label": "Pages",
    "pager.previous": "Previous",
    "pager.next": "Next",
    "pager.page": "Page {page} of {pages}",
    "error.home": "Back to the overview",
    "error.not_found": "Not found",
    # login
    "login.title": "Log in",
    "login.help": "Enter the panel token (WABROADCAST_API_TOKEN). "
    "If none is configured, the server printed one when it started.",
    "login.token": "Token",
    "login.submit": "Log in",
    "login.wrong_token": "Wrong token.",
    "login.expired": "The login form expired; please try again.",
    "login.too_many": "Too many failed logins from this address; try again in {minutes} min.",
    # dashboard
    "dashboard.title": "Overview",
    "dashboard.contacts": "Contacts",
    "dashboard.opted_out": "Opted out",
    "dashboard.templates": "Templates",
    "dashboard.messages_sent": "Messages sent",
    "dashboard.new_campaign": "New campaign",
    "dashboard.recent": "Recent campaigns",
    # campaigns
    "campaigns.title": "Campaigns",
    "campaigns.none": "No campaigns yet.",
    "campaign.title": "Campaign {id}",
    "campaign.template": "Template",
    "campaign.language": "Language",
    "campaign.state": "State",
    "campaign.failed": "Failed",
    "campaign.unknown": "Unknown",
    "campaign.created": "Created",
    "campaign.started": "Started",
    "campaign.finished": "Finished",
    "campaign.requested": "Requested",
    "campaign.eligible": "Eligible at start",
    "campaign.held_back": "Held back by the daily limit",
    "campaign.deferred": "Deferred by Meta (131049)",
    "campaign.deferred_help": "Meta did not deliver these now (per-user marketing cap); each "
    "is sent again automatically after the wait, a limited number of times.",
    "campaign.retried": "Retries of deferred sends",
    "campaign.held": "Held by Meta now (template under pacing)",
    "campaign.held_released": "Held, then sent by Meta",
    "campaign.held_dropped": "Held, then dropped by Meta",
    "campaign.progress": "Progress",
    "campaign.processed": "sends answered",
    "campaign.failures": "Failures by reason",
    "campaign.no_failures": "No failures.",
    "campaign.reason": "Reason",
    "campaign.stage": "When",
    "campaign.count": "Count",
    "campaign.unknown_title": "Unknown outcome",
    "campaign.unknown_help": "The request for these sends may or may not have reached "
    "WhatsApp (a timeout or a dropped connection). They are never re-sent automatically, so "
    "nobody gets the template twice. A status webhook settles each of them when it arrives.",
    "campaign.release_confirm": "I accept that these contacts may get the template twice "
    "(the first message may have arrived).",
    "campaign.action.release_unknown": "Release {count} unknown sends claimed over 24 hours ago",
    "campaign.release_later": "Unknown sends can be released here 24 hours after they were "
    "claimed, if no status webhook settles them first.",
    "campaign.release_title": "Nothing released",
    "campaign.release_unconfirmed": "Tick the box to confirm that these contacts may get the "
    "template twice; nothing was released.",
    "campaign.released": "Released {count} unknown sends: later campaigns may send this "
    "template to those contacts again.",
    "campaign.action.pause": "Pause",
    "campaign.action.resume": "Resume",
    "campaign.action.cancel": "Cancel",
    "campaign.done.pause": "Campaign paused; sends already in flight finish first.",
    "campaign.done.resume": "Campaign resumed.",
    "campaign.done.cancel": "Campaign cancelled; nothing more will be sent.",
    "campaign.not_found": "Campaign {id} does not exist.",
    "campaign.live_on": "Live: numbers update by themselves.",
    "campaign.live_off": "Not live: reload the page for the latest numbers.",
    "state.running": "Running",
    "state.waiting": "Waiting",
    "waiting.busy": (
        "Phone number {number} is sending campaign {campaign} (process {process}); this "
        "one starts when it is done."
    ),
    "waiting.busy_unknown": (
        "Phone number {number} is busy in process {process}; this one starts when it is free."
    ),
    "waiting.offered": (
        "Process {process} already sends its share of the numbers, so it offers {number} to "
        "another server; sending starts within seconds."
    ),
    "waiting.no_sender": (
        "No process is sending it now (its sender stopped). A running server takes it "
        "over within seconds; otherwise pause and resume it here."
    ),
    "state.paused": "Paused",
    "state.cancelled": "Cancelled",
    "state.completed": "Completed",
    "state.aborted": "Aborted",
    "state_help.running": "Sending now, at the rate the number allows.",
    "state_help.waiting": (
        "Not being sent right now; the line below says why. It is sent as soon as its "
        "number is free."
    ),
    "state_help.paused": "Paused: nothing is sent until you resume.",
    "state_help.cancelled": "Cancelled: a new campaign of this template reaches whoever is left.",
    "state_help.completed": "Done: every selected contact has an answer. Statuses keep arriving.",
    "state_help.aborted": "Stopped by an error that affects every send (see below).",
    "funnel.title": "Funnel",
    "funnel.selected": "Selected",
    "funnel.accepted": "Accepted",
    "funnel.delivered": "Delivered",
    "funnel.read": "Read",
    "funnel.replied": "Replied",
    "funnel.help": "Accepted: WhatsApp took the request. Delivered and read come from status "
    "webhooks; read receipts can be turned off by the recipient.",
    "failure_stage.send": "when sending",
    "failure_stage.webhook": "after sending (webhook)",
    # send
    "send.title": "Send a template",
    "send.template": "Template",
    "send.choose_template": "Choose a template…",
    "send.language": "Language",
    "send.count": "How many contacts",
    "send.eligible": "Eligible contacts",
    "send.will_send": "this campaign will send {count}",
    "cost.title": "Charged cost",
    "cost.line": "{market} ({category}): {count} × {price} = {cost}",
    "cost.free": "{count} free (customer service or free entry point window)",
    "cost.none": "No status webhook with pricing yet.",
    "cost.note": "Meta's pricing on status webhooks, at the rate card of {date}.",
    "send.estimate": "Estimated cost: {total}",
    "send.estimate_line": "{market} ({category}): {count} × {price}",
    "send.estimate_unpriced": "{count} messages have no price on the rate card",
    "send.estimate_note": "From the rate card of {date}; check Meta's current prices.",
    "send.submit": "Start campaign",
    "send.skipped_us": "{count} US (+1) numbers skipped: Meta does not deliver marketing "
    "templates to US numbers (since 2025-04-01); MARKETING_TO_US=true sends to them.",
    "send.skipped_us_one": "1 US (+1) number skipped: Meta does not deliver marketing "
    "templates to US numbers (since 2025-04-01); MARKETING_TO_US=true sends to them.",
    "send.never_twice": "Each contact gets a template at most once: contacts who already "
    "received it, opted out or cannot be reached are never selected.",
    "send.no_templates": "No templates stored yet. Fetch them from your WhatsApp Business Account:",
    "send.preview_title": "First recipients (dry run)",
    "send.preview_help": "Who the campaign would reach first, in send order. Nothing is sent.",
    "send.message_title": "The first message reads:",
    "send.preview_empty": "Choose a template to see who would receive it.",
    "send.disabled": "Sending is disabled: {reason}.",
    "send.error.template": "Choose a template.",
    "send.error.language": "Choose the template's language.",
    "send.error.parameters": "The template parameters cannot be used: {reason}.",
    "send.error.audience": "The audience cannot be used: {reason}.",
    "send.audience": "Audience",
    "send.audience_help": "Leave everything empty to send to all contacts.",
    "send.audience.tags": "Tags (separated by ;)",
    "send.audience.match": "Contacts with",
    "send.audience.match.any": "any of these tags",
    "send.audience.match.all": "all of these tags",
    "send.audience.where": "Conditions, one per line (e.g. city = İzmir)",
    "send.audience.exclude_tags": "Leave out contacts tagged (separated by ;)",
    "send.audience.exclude_replied_days": "Leave out contacts who replied in the last days",
    "send.error.limit": "The count must be a whole number from 1 to {max}.",
    # contacts
    "contacts.title": "Contacts",
    "contacts.import_title": "Import contacts",
    "contacts.import_help": "The original contacts_with_index.json or a CSV with a phone "
    "column and a name column. Bad rows are listed; every good row is imported. "
    "Importing the same file again changes nothing.",
    "contacts.file": "File (JSON or CSV)",
    "contacts.import_submit": "Import",
    "contacts.report_title": "Import report: {file}",
    "contacts.report.imported": "imported",
    "contacts.report.updated": "updated",
    "contacts.report.unchanged": "unchanged",
    "contacts.report.rejected": "rejected",
    "contacts.line": "Where",
    "contacts.reason": "Problem",
    "contacts.more_problems": "…and {count} more problems.",
    "contacts.error.no_file": "Choose a file to import.",
    "contacts.error.too_large": "The file is larger than {limit} bytes, the most the panel "
    "accepts; split it into smaller files and import them one by one.",
    "import_error.cannot_open": "cannot open {file}: {detail}",
    "import_error.json_empty": "{file}: line {line}, column {column}: the file is empty; a JSON "
    "list of contacts `[{{...}}, ...]` is needed",
    "import_error.json_not_list": "{file}: line {line}, column {column}: expected a JSON list of "
    "contacts `[{{...}}, ...]`, found {found}",
    "import_error.json_encoding": "{file}: line {line}, column {column}: not valid {encoding} "
    "text; if the file was saved as cp1254 or latin-1, save it as UTF-8 and upload it again",
    "import_error.json_broken": "{file}: broken JSON at line {line}, column {column}: {detail}",
    "import_error.csv_empty": "{file}: the file is empty (a header row is needed)",
    "import_error.csv_header_broken": "{file}: line 1: the header is not readable CSV: {detail}",
    "import_error.csv_header_encoding": "{file}: line 1: the header is not valid {encoding} text; "
    "if the file was saved as cp1254 or latin-1, save it as UTF-8 and upload it again",
    "import_error.csv_no_phone_column": "{file}: cannot tell which column holds the phone number "
    "(header: {header}); name that column phone, telefon or gsm and upload the file again",
    "import_error.csv_no_column": "no column named {column}; the header has: {header}",
    "import_error.wrong_encoding": "{file}: the file is {found} text, not {encoding}; save it as "
    "UTF-8 and upload it again",
    "import_error.unknown_encoding": "unknown encoding {encoding}",
    "import_error.not_text_encoding": "{encoding} is not a text encoding for files; use e.g. "
    "utf-8, utf-16, cp1254 or latin-1",
    "import_error.unknown_format": "unknown format {format}; the file must be JSON or CSV",
    "contacts.tag_filter": "Tag",
    "contacts.tag_filter.any": "Any tag",
    "contacts.tags": "Tags",
    "contacts.tags.title": "Tags for contacts",
    "contacts.tags.names": "Tags",
    "contacts.tags.placeholder": "Tags, separated by ; (e.g. vip; izmir)",
    "contacts.tags.scope": "Apply to",
    "contacts.tags.scope.selected": "the ticked contacts",
    "contacts.tags.scope.filtered": "all {count} contacts of this list",
    "contacts.tags.add": "Add tags",
    "contacts.tags.remove": "Remove tags",
    "contacts.tags.select": "Select",
    "contacts.tags.select_one": "Select {phone}",
    "contacts.tags.added": "{count} tags added ({contacts} contacts chosen).",
    "contacts.tags.removed": "{count} tags removed ({contacts} contacts chosen).",
    "contacts.tags.none_selected": "Tick the contacts to change, or apply to the whole list.",
    "contacts.tags.no_tags": "Write the tags to add or remove.",
    "contacts.tags.invalid": "The tags cannot be used: {reason}.",
    "contacts.search": "Search",
    "contacts.search_placeholder": "Name, number or BSUID",
    "contacts.filter": "Show",
    "contacts.filter.all": "All contacts",
    "contacts.filter.opted_out": "Opted out",
    "contacts.filter.unreachable": "Unreachable",
    "contacts.total": "{count} contacts",
    "contacts.index": "#",
    "contacts.open": "(no name)",
    "contacts.export_all": "Every send to every contact:",
    "contact.not_found": "Contact {id} does not exist.",
    "contact.export": "This contact's sends:",
    "contact.sends": "Sends",
    "contact.template": "Template",
    "contact.campaign": "Campaign",
    "contact.stages": "Stages",
    "contact.error": "Error",
    "contact.pricing": "Pricing",
    "contact.stage.claimed": "Claimed",
    "contact.stage.accepted": "Accepted",
    "contact.stage.sent": "Sent",
    "contact.stage.delivered": "Delivered",
    "contact.stage.read": "Read",
    "contact.stage.failed": "Failed",
    "contact.no_sends": "Nothing has been sent to this contact yet.",
    "contact.replies": "Replies",
    "contact.no_replies": "No replies.",
    "contact.opt_outs": "Opt-outs and opt-ins",
    "contact.no_opt_outs": "None.",
    "contact.action.stop": "opted out",
    "contact.action.resume": "opted back in",
    "contacts.name": "Name",
    "contacts.bsuid": "BSUID",
    "contacts.bsuid_help": "Business-scoped user id: WhatsApp's id of this person for you",
    "contacts.phone": "Number",
    "contacts.opt_out": "Marketing",
    "contacts.opted_out": "Opted out",
    "contacts.subscribed": "Subscribed",
    "contacts.reachability": "Reachable",
    "contacts.unreachable": "Unreachable",
    "contacts.none": "No contacts match.",
    "contacts.order": "Order",
    "contacts.order.send": "Send order",
    "contacts.order.newest": "Newest imports first",
    "contacts.hide_demo": "Hide demo contacts",
    "contacts.show_demo": "Show demo contacts",
    # templates
    "templates.title": "Templates",
    "templates.help": "Templates as last fetched from your WhatsApp Business Account. "
    "Only APPROVED ones can be sent.",
    "templates.name": "Name",
    "templates.language": "Language",
    "templates.status": "Status",
    "templates.category": "Category",
    "templates.body": "Body",
    "templates.sent": "Sent",
    "templates.synced": "Fetched",
    "templates.send": "Send…",
    "templates.none": "No templates stored yet.",
    "templates.actions": "Actions",
    "templates.category_changed": "was {previous} until {when} (Meta recategorised it)",
    "templates.category_coming": "Meta will make it {category} on {when}",
    "numbers.title": "Business numbers",
    "numbers.number": "Number",
    "numbers.rate": "Send rate",
    "numbers.daily_limit": "Daily recipient limit",
    "numbers.quality": "Last quality event",
    "numbers.per_second": "{rate} msg/s",
    "numbers.from_webhook": "from Meta's webhook of {when}",
    "numbers.from_setting": "from the setting {name}",
    "numbers.unlimited": "unlimited",
    "numbers.read_at_start": "read from Meta when a campaign starts",
    "numbers.no_news": "none received",
    # webhook log
    "webhooks.title": "Webhook log",
    "webhooks.help": "Every signed webhook WhatsApp sent, newest first, stored before it "
    "was processed. Open one to see the raw payload.",
    "webhooks.unknown_kind": "other",
    "webhooks.processed": "processed",
    "webhooks.pending": "pending",
    "webhooks.error": "error",
    "webhooks.none": "No webhooks received yet.",
    "webhooks.newest": "Newest",
    "webhooks.older": "Older",
    "webhooks.none_older": "No older webhooks.",
    # stats
    "stats.title": "Stats",
    "stats.range": "Period",
    "stats.days": "{count} days",
    "stats.chart_title": "Sends, deliveries, reads and replies per day (UTC)",
    "stats.sends": "Sends",
    "stats.deliveries": "Deliveries",
    "stats.reads": "Reads",
    "stats.replies": "Replies",
    "stats.table": "Numbers per day",
    "stats.day": "Day",
    "stats.rates_title": "Rates per template",
    "stats.rates_help": (
        "Of the sends accepted each UTC day, the share delivered, read and replied so far."
    ),
    "stats.rates_chart_title": (
        "{template}: delivered, read and reply rates per day of sending (UTC)"
    ),
    "stats.rates_chart_desc": (
        "Percentages of the sends accepted each day, over {days} days with sends; the table "
        "below has the numbers."
    ),
    "stats.rates_sent": "{count} sends",
    "stats.rates_none": "No template was sent in this period.",
    "stats.rates_more": (
        "{count} more templates were sent in this period; GET /api/stats/templates lists them all."
    ),
    "stats.rate.delivered": "Delivered",
    "stats.rate.read": "Read",
    "stats.rate.replied": "Replied",
    # schedules, template sync, retry failed (issue 8)
    "nav.schedules": "Schedules",
    "templates.sync": "Sync templates",
    "templates.sync_failed": "Template sync failed: {error}",
    "templates.synced_summary": "Synced {names} templates ({total} with their languages): "
    "{added} new, {updated} changed, {gone} no longer listed (marked DELETED).",
    "campaign.action.retry_failed": "Retry failed ({count})",
    "campaign.retry_help": "A new campaign to exactly the contacts whose sends failed for a "
    "retryable reason (throttling, too many messages, Cloud API errors), unless they got the "
    "template since, opted out or became unreachable.",
    "campaign.retry_refused": "Nothing to retry",
    "campaign.retry_of": "Retry of campaign",
    "campaign.retarget_of": "Retarget of campaign",
    "retarget.title": "Retarget",
    "retarget.help": "A campaign of another template to this campaign's contacts who did not "
    "read (or did not reply to) its message within the days you choose. Never-twice, opt-outs "
    "and the daily limit apply to it as to any campaign.",
    "retarget.template": "Template",
    "retarget.when": "Who",
    "retarget.when.not-read": "did not read it",
    "retarget.when.not-replied": "did not reply to it",
    "retarget.after_days": "After (days)",
    "retarget.after_days_help": "From 1 to 90 days after Meta accepted their message.",
    "retarget.after_days_value": "after {days} days",
    "retarget.limit": "Limit",
    "retarget.limit_help": "Leave empty for everyone eligible now.",
    "retarget.submit": "Create retarget campaign",
    "retarget.no_templates": "No other approved template is stored: sync templates first.",
    "schedules.title": "Daily schedules",
    "schedules.help": "A schedule sends a template to the next contacts every day at a set time "
    "until everyone has it. Days missed while nothing was running are skipped (noted below), "
    "never sent twice.",
    "schedules.none": "No schedules yet.",
    "schedules.template": "Template",
    "schedules.language": "Language",
    "schedules.daily": "Per day",
    "schedules.time": "Time",
    "schedules.window": "Window",
    "schedules.state": "State",
    "schedules.next_run": "Next run",
    "schedules.eligible": "Still to reach",
    "schedules.days_remaining": "Days left",
    "schedules.finish_on": "Last day",
    "schedules.notes": "Notes",
    "schedules.actions": "Actions",
    "schedules.missed": "{count} missed days skipped",
    "schedules.missed_one": "1 missed day skipped",
    "schedules.action.pause": "Pause",
    "schedules.action.resume": "Resume",
    "schedules.action.delete": "Delete",
    "schedules.done.create": "Schedule created.",
    "schedules.done.pause": "Schedule paused; no new day starts until you resume.",
    "schedules.done.resume": "Schedule resumed from its next time of day.",
    "schedules.done.delete": "Schedule deleted; its campaigns and sends stay.",
    "schedules.not_found": "Schedule {id} does not exist.",
    "schedules.create_title": "New schedule",
    "schedules.daily_count": "Contacts per day",
    "schedules.time_of_day": "Time of day (HH:MM)",
    "schedules.time_zone": "Time zone (IANA, e.g. Europe/Istanbul)",
    "schedules.window_start": "Sending window start (optional)",
    "schedules.window_end": "Sending window end (optional)",
    "schedules.window_help": "Outside the window a day's campaign pauses, and resumes inside it.",
    "parameters.label": "Template parameters (optional, one per line)",
    "parameters.help": "1=name:Fallback fills the first variable with the contact's "
    "name (Fallback when it is empty), 2=attributes.city with a contact attribute, "
    "3==fixed text with the same text for everyone.",
    "schedules.submit": "Create schedule",
    "schedules.days_help": "Days left = contacts still to reach ÷ contacts per day, rounded up.",
    "schedules.error.template": "Choose a template.",
    "schedules.error.language": "Give the template's language (for example tr or en_US).",
    "schedules.error.daily_count": "Contacts per day must be a whole number, at least 1.",
    "schedule_state.active": "Active",
    "schedule_state.paused": "Paused",
    "schedule_state.finished": "Finished",
    # why a send failed (campaign failures table); one per Cloud API error code
    "failure.no_answer": "no answer from the Cloud API",
    "failure.failed": "failed",
    "error_code.permission": "missing permission",
    "error_code.unlisted": "unlisted error",
    **{f"error_code.{code}": text for code, (_, text) in ERROR_TABLE.items()},
    # why an imported row was rejected (web/reasons.py matches the importer's sentences)
    "import_reason.no_phone": "no phone number",
    "import_reason.phone_type": "phone number must be text, got {type}",
    "import_reason.name_too_long": "name longer than {limit} characters",
    "import_reason.name_type": "name must be text, got {type}",
    "import_reason.index_type": "index must be a whole number, got {value}",
    "import_reason.duplicate_line": "duplicate: {phone} is already on line {line}",
    "import_reason.duplicate_earlier": "duplicate: {phone} is already earlier in this file",
    "import_reason.json_missing_comma": "broken JSON: missing ',' after element {element} (the "
    "next one is read)",
    "import_reason.json_truncated": "broken JSON: the file ends inside the list (truncated?)",
    "import_reason.broken_json": "broken JSON: {detail}",
    "import_reason.broken_csv": "broken CSV: {detail}",
    "import_reason.not_an_object": "element is {type}, not an object with the contact's fields",
    "import_reason.not_encoding": "not valid {encoding} text; if the file was saved as cp1254 or "
    "latin-1, save it as UTF-8 and upload it again",
    "import_reason.surrogate": "text holds a lone surrogate (a JSON escape such as \\ud800 "
    "without its pair), which is not a character",
    "import_reason.too_many_fields": "{fields} fields but the header has {width} (an unquoted "
    "'{delimiter}'?)",
    "import_reason.quote_runs_over": "unbalanced quote: a quoted field starts on this line and "
    "runs over line {line}, which looks like a row of its own; this row is skipped and the lines "
    "after it are read as rows",
    "import_reason.quote_never_closed": "unbalanced quote: a quoted field starts on this line and "
    "is never closed; this row is skipped and the lines after it are read as rows",
    "import_reason.unknown_country": "unknown country code: {value}",
    "import_reason.not_a_phone": "not a phone number: {value}",
    "import_reason.too_short": "too short for a phone number: {value}",
    "import_reason.too_long": "too long for a phone number: {value}",
    "import_reason.invalid_phone": "not a valid phone number: {value}",
    "import_reason.invalid_for_country": "not a valid number for its country: {value}",
    "import_reason.element": "{place} (element {element})",
    # schedule notes (web/reasons.py matches the scheduler's sentences)
    "schedule_note.created": "created",
    "schedule_note.paused": "paused",
    "schedule_note.resumed": "resumed",
    "schedule_note.finished": "finished: every eligible contact has the template",
    "schedule_note.no_contact_left": "no eligible contact left",
    "schedule_note.skipped": "skipped: nothing was running at {time} {zone}; not made up, so no "
    "day sends more than {daily}",
    "schedule_note.days_skipped": "{days} days skipped ({first} to {last}): nothing was running "
    "at their time; not made up",
    "schedule_note.not_started": "not started: {detail}",
    "schedule_note.stopped_before_start": "the process stopped before the day's campaign started",
    "schedule_note.window_closed": "the sending window closed before the day's contacts were all "
    "sent",
    "schedule_note.day_ended": "the day ended before its campaign did (was the process stopped?)",
    "schedule_note.window_pause": "paused: the sending window closes; {accepted} accepted, "
    "{failed} failed so far",
    "schedule_note.campaign_error": "campaign {state} ({error}): {accepted} accepted, {failed} "
    "failed",
    "schedule_note.campaign": "campaign {state}: {accepted} accepted, {failed} failed",
    # why a campaign stopped (web/reasons.py matches the engine's sentences)
    "campaign_error.interrupted": "interrupted: the sending process was stopped; resume the "
    "campaign to send the rest",
    "campaign_error.outside_window": "outside the schedule's sending window",
    "campaign_error.lease_lost": "sending lease lost",
    "campaign_error.database": "database error",
    "campaign_error.token": "access token invalid or expired",
    "campaign_error.no_template": "template '{template}' does not exist in language '{language}'",
    "campaign_error.template_paused": "template '{template}' ({language}) is paused by Meta for "
    "low quality",
    "campaign_error.template_paused_resume": "template '{template}' ({language}) paused by Meta "
    "for low quality (132015); unpause the template in WhatsApp Manager, then resume",
    "campaign_error.held_dropped": "template '{template}' ({language}) paused by Meta for low "
    "quality (132015) — held messages were dropped; unpause the template in WhatsApp Manager, "
    "then resume",
    "campaign_error.template_disabled": "template '{template}' ({language}) is permanently "
    "disabled by Meta",
    "campaign_error.template_event": "template '{template}' ({language}) was {event} by Meta",
    "campaign_error.template_event_reason": "template '{template}' ({language}) was {event} by "
    "Meta (reason: {meta})",
    "campaign_error.paused_quality": "paused: {reason}{trace}; check the number's quality in "
    "WhatsApp Manager, then resume the campaign",
    "campaign_error.error_streak": "paused after {count} sends in a row failed (last: {last})",
    "campaign_error.fatal": "{reason} (Cloud API: {message})",
    "campaign_error.mm_terms": "paused: the business portfolio has not accepted the Marketing "
    "Messages API terms; accept them in WhatsApp Manager (or Meta Business Suite) under the "
    "Marketing Messages API alert, then resume the campaign",
    "campaign_error.mm_syncing": "paused: the template is still syncing to the Marketing "
    "Messages API{trace}; a new or changed template can take about 10 minutes to reach it, so "
    "resume the campaign later",
    "campaign_error.mm_not_marketing": "the Marketing Messages API refused template '{template}' "
    "({language}) as not a MARKETING template ({number}); Meta may have recategorised it: sync "
    "the templates and send again (a template that is not MARKETING any more goes through "
    "/messages)",
    # which Cloud API endpoint a campaign's sends went through (MARKETING_MESSAGES_API)
    "campaign.endpoints": "Sent through",
    "endpoint.messages": "Cloud API (/messages)",
    "endpoint.marketing_messages": "Marketing Messages API",
    "campaign_note.fallback_terms": "Sent through /messages from {time} UTC: the business "
    "portfolio has not accepted the Marketing Messages API terms (accept them in WhatsApp "
    "Manager or Meta Business Suite). The next run tries the Marketing Messages API again.",
    "campaign_note.fallback_ineligible": "Sent through /messages from {time} UTC: the template "
    "is not eligible for the Marketing Messages API (134102). The next run tries it again.",
    # HTTP API error messages (web/error_language.py, for Accept-Language)
    "api_error.not_found": "{what} {id} does not exist",
    "api_error.what.campaign": "campaign",
    "api_error.what.contact": "contact",
    "api_error.what.schedule": "schedule",
    "api_error.auth_required": "authentication required: send 'Authorization: Bearer "
    "<WABROADCAST_API_TOKEN>'",
    "api_error.wrong_token": "wrong API token",
    "api_error.csrf": "missing or wrong CSRF token; reload the page and try again",
    "api_error.too_many_logins": "too many failed logins from this address; try again in "
    "{minutes} minute(s)",
    "api_error.body_too_large": "request body larger than {limit} bytes (the {setting} setting)",
    "api_error.body_too_large_plain": "request body larger than {limit} bytes",
    "api_error.upload_too_large": "{file}file larger than {limit} bytes (the MAX_UPLOAD_BYTES "
    "setting)",
    "api_error.too_many_phones": "{count} phone numbers in one call; at most {max} (split the "
    "list)",
    "api_error.template_missing": "template '{name}' does not exist; the account has: {known}",
    "api_error.template_none": "template '{name}' does not exist; the account has none",
    "api_error.template_empty": "the template name is empty",
    "api_error.limit_range": "the limit must be from 1 to {max}, got {got}",
    # why a campaign is refused before it is created (web/reasons.py)
    "api_error.not_template_name": "{name} is not a template name: Meta's names are at most "
    "{max} lowercase letters, digits and underscores (e.g. daily_offer)",
    "api_error.not_language_code": "{language} is not a language code; use the template's code "
    "exactly as approved, e.g. tr or en_US",
    "api_error.unknown_phone_number": "phone number id {id} is not configured (PHONE_NUMBER_ID / "
    "PHONE_NUMBERS list: {known})",
    "api_error.template_unknown_offline": "template '{name}' is not known here and the Cloud API "
    "cannot be asked now (sending is unavailable); sync the templates on the Templates page "
    "when it is",
    "api_error.template_list_unreadable": "template '{name}' is not known here and the template "
    "list could not be read from the Cloud API ({error}); try again, or sync the templates on "
    "the Templates page",
    "api_error.template_language": "template '{name}' does not exist in language '{language}'; "
    "it exists in: {available}",
    "api_error.template_status": "template '{name}' is {status}",
    "api_error.parameters_misfit": "parameters do not fit template '{name}' ({language}): "
    "{problems}",
    "api_error.parameter.missing": "{where} needs {variable} but no value is given",
    "api_error.parameter.extra": "{where} has no {variable}",
    "api_error.parameter.not_media": "header is not a media header; remove the {kind}",
    "api_error.parameter.media_missing": "header needs {kind}: give a link or an uploaded media id",
    "api_error.parameter.media_other": "header is {wanted}, not {kind}",
    "api_error.parameter.button_missing": "button {index} ({kind}) needs a value",
    "api_error.parameter.button_extra": "button {index} takes no value",
    "api_error.media.image": "image",
    "api_error.media.video": "video",
    "api_error.media.document": "document",
    "api_error.media_a.image": "an image",
    "api_error.media_a.video": "a video",
    "api_error.media_a.document": "a document",
    "api_error.contacts_lack_value": "{count} contacts lack a value and the parameter has no "
    "fallback: {shown}{more}. Add a fallback to the parameter, e.g. 1=name:Müşterimiz",
    "api_error.empty_value": "contact {phone}: {where} {variable} ({source}) is empty and has "
    "no fallback",
    "api_error.and_more": " (and {more} more)",
    "api_error.parameter_sections": "parameters: unknown sections {sections}; use body, header, "
    "buttons",
    "api_error.button_key": "buttons: key {key} must be the zero-based button index",
    "api_error.header_object": "header: expected an object like {example}",
    "api_error.header_kind": "header: type {kind} is not one of {kinds}",
    "api_error.header_link_or_id": "header {kind}: give exactly one of 'link' or 'id' (uploaded "
    "media id)",
    "api_error.header_link": "header {kind}: link must be an http(s) URL, got {link}",
    "api_error.header_media_id": "header {kind}: media id must be digits, got {id}",
    "api_error.value_empty_field": "{where}: empty field name in {raw}",
    "api_error.value_keys": "{where}: unknown keys {keys}; use field, fallback, text",
    "api_error.value_missing": "{where}: give a field, a fallback or a text",
    "api_error.value_type": "{where}: expected a field name or an object, got {type}",
    "api_error.values_type": "{where}: expected an object of variable → value",
    "api_error.param_line": "a parameter line must look like KEY=FIELD[:FALLBACK] (e.g. "
    "1=name:Fallback), got {option}",
    "api_error.pattern_mismatch": "String should match pattern '{pattern}'",
    "api_error.too_long": "String should have at most {max} characters",
    "api_error.too_short": "String should have at least {min} characters",
    "api_error.sending_unavailable": "sending is unavailable: {reason}",
    "api_error.internal": "internal error; the server log has the details",
    "api_error.broken_json": "broken JSON at line {line}, column {column}: {why}",
    "api_error.method_not_allowed": "method not allowed",
    "api_error.sync_unavailable": "template sync is unavailable: {reason}",
    "api_error.unavailable.no_token": "WHATSAPP_ACCESS_TOKEN is not set, so the Graph API cannot "
    "be used",
    "api_error.unavailable.starting": "the server has not finished starting",
    "api_error.unavailable.token_required": "an access token is required",
    "api_error.unavailable.no_client": "no Cloud API client",
    "api_error.sync_token_refused": "the Cloud API refused the access token (error {code}): "
    "check WHATSAPP_ACCESS_TOKEN; it may be expired, revoked or for another app",
    "api_error.sync_waba_unknown": "the WhatsApp Business Account id '{waba}' does not exist or "
    "the token may not read its templates (error 100): check WABA_ID ({message})",
    "api_error.sync_failed": "template sync failed: {error}",
    "api_error.no_schedule": "no schedule with id {id}",
    "api_error.template_name_empty": "template name is empty",
    "api_error.language_empty": "language is empty (for example tr or en_US)",
    "api_error.daily_count_range": "daily count must be between 1 and {max}, got {got}",
    "api_error.time_format": "{time} must be HH:MM (24-hour), got {value}",
    "api_error.time.time": "time",
    "api_error.time.time_of_day": "time of day",
    "api_error.time.window_start": "window start",
    "api_error.time.window_end": "window end",
    "api_error.unknown_time_zone": "unknown time zone {zone}; use an IANA name such as "
    "Europe/Istanbul",
    "api_error.window_half": "a sending window needs both a start and an end",
    "api_error.window_equal": "sending window start and end are equal; leave both out instead",
    "api_error.schedule_not_active": "schedule {id} is {schedule_state}, not active",
    "api_error.schedule_not_paused": "schedule {id} is {schedule_state}, not paused",
    "api_error.campaign_final": "campaign {id} is {state}; it cannot change",
    "api_error.campaign_move": "campaign {id} is {state}; {cannot}",
    "api_error.cannot.running": "it cannot be running",
    "api_error.cannot.paused": "it cannot be paused",
    "api_error.cannot.cancelled": "it cannot be cancelled",
    "api_error.cannot.completed": "it cannot be completed",
    "api_error.cannot.aborted": "it cannot be aborted",
    "api_error.retry_running": "campaign {id} is still running; retry once it has ended",
    "api_error.retry_nothing_left": "campaign {id} has nothing left to retry: every contact it "
    "released got the template since, opted out or became unreachable",
    "api_error.retry_no_failures": "campaign {id} has no send that failed for a retryable reason "
    "(failures: none)",
    "api_error.retry_not_retryable": "campaign {id} has no send that failed for a retryable "
    "reason (failures: {failures})",
    "api_error.retarget_when": "{text} is not a retarget condition; use one of: {choices}",
    "api_error.retarget_days": "after_days must be from {min} to {max} days, got {got}",
    "api_error.retarget_same_template": "template '{name}' is the one campaign {id} sent; a "
    "retarget sends another template (never-twice keeps the same one from everybody it reached)",
    "api_error.retarget_running": "campaign {id} is still running; retarget it once it has "
    "ended or paused",
    "api_error.retarget_nobody_read": "nobody is eligible yet: no contact of campaign {id} did "
    "not read its send for {days} days and can still get template '{name}'{later}",
    "api_error.retarget_nobody_replied": "nobody is eligible yet: no contact of campaign {id} did "
    "not reply to its send for {days} days and can still get template '{name}'{later}",
    "api_error.retarget_later": "; {count} will become eligible, the first from {first}",
    "api_error.route_not_found": "not found",
    "validation.missing": "this field is required",
    "validation.int_parsing": "must be a whole number",
    "validation.int_type": "must be a whole number",
    "validation.string_type": "must be text",
    "validation.bool_parsing": "must be true or false",
    "validation.extra_forbidden": "this field is not accepted",
    "import_reason.json_at": "broken JSON at line {line}, column {column}: {detail}",
    "import_reason.missing_comma": "missing ',' after element {element} (the next one is read)",
    "import_reason.ends_inside": "the file ends inside the list (truncated?)",
    "import_reason.nothing_after": "{detail}; nothing after it was read",
    # tag and audience refusals (web/audience_reasons.py)
    "audience_error.tag_empty": "a tag is empty",
    "audience_error.tag_semicolon": "tag {tag} holds ';', which separates tags",
    "audience_error.tag_control": "tag {tag} holds a control character",
    "audience_error.tag_too_long": "tag {tag}… is longer than {max} characters",
    "audience_error.tags_type": "tags must be text separated by ';' or a list of texts, got {type}",
    "audience_error.too_many_tags": "at most {max} tags at once, got {got}",
    "audience_error.too_many_conditions": "at most {max} conditions, got {got}",
    "audience_error.row_tags": "{count} tags; a contact may get at most {max} in one row",
    "audience_error.condition_shape": (
        "condition {condition} is not FIELD OP VALUE; write e.g. 'city = İzmir' or "
        "'attributes.plan in (gold, silver)' (OP is =, !=, in or not in)"
    ),
    "audience_error.condition_field": "condition {condition}: {field} is not an attribute name",
    "audience_error.condition_needs_list": (
        "condition {condition}: '{op}' takes a list, e.g. (gold, silver)"
    ),
    "audience_error.condition_empty_item": "condition {condition}: the list has an empty value",
    "audience_error.condition_list_op": "condition {condition}: a list needs 'in', not '{op}'",
    "audience_error.condition_no_value": "condition {condition} has no value after '{op}'",
    "audience_error.match": "match must be 'any' or 'all', got {got}",
    "audience_error.replied_days_range": "exclude_replied_days must be from 1 to {max}, got {got}",
    "audience_error.replied_days_type": "exclude_replied_days must be a whole number, got {got}",
    "audience_error.tag_both": "tag {tag} is both wanted and excluded",
    "audience_error.no_such_tag": "no contact has tag {tag}; the tags are: {tags}",
    "audience_error.no_tags_yet": "no contact has tag {tag}; no contact has any tag yet",
    "audience_error.phones_and_filter": "give phones or a filter, not both",
    "audience_error.nothing_chosen": (
        "no contacts chosen: give phones, a filter (search, tag, opted out) or all"
    ),
    "audience_error.nothing_to_do": "nothing to do: give tags to add or remove",
    "ab_test.title": "A/B test {id}",
    "ab_test.summary": "{state} · winner by {metric} · {share}% per variant · decided from "
    "{when} UTC",
    "ab_test.variant": "Variant",
    "ab_test.template": "Template",
    "ab_test.sent": "Sent",
    "ab_test.rate": "Rate",
    "ab_test.rest": "Rest",
    "ab_test.winner": "winner",
    "ab_test.metric.read": "read rate",
    "ab_test.metric.reply": "reply rate",
    "ab_test.state.testing": "testing",
    "ab_test.state.deciding": "deciding",
    "ab_test.state.sending_winner": "sending the winner",
    "ab_test.state.done": "done",
    "ab_test.state.cancelled": "cancelled",
}
