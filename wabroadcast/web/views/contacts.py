"""The contacts page: import a file with its validation report, search, opt-out state.

The import is the CLI's importer (`contacts.importing.import_contacts`), so the panel reports
exactly what `wabroadcast contacts import` would: imported / updated / unchanged / rejected,
and every rejected row with its line and reason. The upload is written to a temporary file
under its own name, so the report says `customers.csv:12`, not a temporary path.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from wabroadcast.contacts.encodings import UnreadableFile
from wabroadcast.contacts.importing import import_contacts
from wabroadcast.contacts.report import Rejection
from wabroadcast.contacts.selection import ContactChoice, SelectionError, change_tags
from wabroadcast.domain.audience import AudienceError, split_tags
from wabroadcast.storage import tags as tag_store
from wabroadcast.web.audience_reasons import audience_text
from wabroadcast.web.auth import require_csrf
from wabroadcast.web.i18n import Translator
from wabroadcast.web.reasons import import_error_text, import_reason_text, rejection_place
from wabroadcast.web.uploads import copy_bounded
from wabroadcast.web.views import queries
from wabroadcast.web.views.paging import PER_PAGE, Pager, page_number
from wabroadcast.web.views.render import Panel

SHOWN_PROBLEMS = 100
"""Rejections listed on the page; the rest are counted (a bad file can have a million)."""
FILTERS = ("all", "opted_out", "unreachable")
TRUE_VALUES = frozenset({"1", "true", "on", "yes"})
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class Problem:
    where: str
    reason: str


@dataclass
class ImportReport:
    file: str
    counts: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    more_problems: int = 0

    def add(self, rejection: Rejection, folder: str, t: Translator) -> None:
        """One rejection, in the reader's language, with the upload's folder left out."""
        if len(self.problems) >= SHOWN_PROBLEMS:
            self.more_problems += 1
            return
        file = rejection.file.replace(folder + "/", "", 1)
        where = rejection_place(file, rejection.line, rejection.element, t)
        reason = import_reason_text(rejection.reason, t)
        if rejection.value and rejection.value not in reason:
            reason += f" [{rejection.value}]"
        self.problems.append(Problem(where, reason))


def view_links(request: Request, *, hide_demo: bool, newest: bool) -> dict[str, str]:
    """The list's other views as links keeping the search: demo contacts shown or hidden,
    send order or newest first (`hide_demo`, `order`: the same parameters as the API)."""
    kept = [
        (k, v)
        for k, v in request.query_params.multi_items()
        if k not in {"hide_demo", "order", "page", "lang"}
    ]

    def link(hide: bool, latest: bool) -> str:
        params = [*kept]
        if hide:
            params.append(("hide_demo", "true"))
        if latest:
            params.append(("order", "newest"))
        return "/contacts" + ("?" + urlencode(params) if params else "")

    return {
        "demo": link(not hide_demo, newest),
        "send_order": link(hide_demo, False),
        "newest": link(hide_demo, True),
    }


def safe_filename(name: str | None) -> str:
    """Keep the extension (it picks JSON or CSV) and nothing that could escape the folder."""
    base = Path(name or "contacts").name
    cleaned = _UNSAFE_NAME.sub("_", base).strip("._") or "contacts"
    return cleaned[:100]


def routes(panel: Panel) -> APIRouter:
    router = APIRouter()

    def render(
        request: Request,
        report: ImportReport | None,
        status: int = 200,
        tagged: tuple[str, str] | None = None,
    ) -> Response:
        query = request.query_params.get("q", "").strip()[:100]
        tag = request.query_params.get("tag", "").strip()[:64]
        kind = request.query_params.get("filter", "all")
        kind = kind if kind in FILTERS else "all"
        hide_demo = request.query_params.get("hide_demo", "") in TRUE_VALUES
        newest = request.query_params.get("order") == "newest"
        offset = (page_number(request) - 1) * PER_PAGE
        with panel.database.session() as session:
            rows, total = queries.contact_page(
                session,
                query=query,
                kind=kind,
                region=panel.settings.default_region,
                offset=offset,
                limit=PER_PAGE,
                hide_demo=hide_demo,
                newest_first=newest,
                tag=tag,
            )
            tags = tag_store.list_tags(session)
            contact_tags = tag_store.tags_of(session, [c.id for c in rows])
        return panel.page(
            request,
            "contacts.html",
            nav="contacts",
            status_code=status,
            path="/contacts",
            contacts=rows,
            total=total,
            q=query,
            tag=tag,
            tags=tags,
            contact_tags=contact_tags,
            tagged=tagged,
            filter=kind,
            hide_demo=hide_demo,
            newest=newest,
            view_links=view_links(request, hide_demo=hide_demo, newest=newest),
            pager=Pager.from_request(request, total),
            report=report,
        )

    @router.get("/contacts", response_class=HTMLResponse)
    def contact_list(request: Request) -> Response:
        return render(request, None)

    @router.post(
        "/contacts/import", response_class=HTMLResponse, dependencies=[Depends(require_csrf)]
    )
    def import_file(request: Request, file: UploadFile | None = None) -> Response:
        """Import the uploaded JSON/CSV and show the same report as the CLI."""
        t = panel.translator(request)
        if file is None or not file.filename:
            return render(request, _failed(t("contacts.error.no_file"), "—"), status=400)
        name = safe_filename(file.filename)
        with tempfile.TemporaryDirectory(prefix="wabroadcast-upload-") as folder:
            path = Path(folder) / name
            with path.open("wb") as target:
                complete = copy_bounded(file.file, target, panel.settings.max_upload_bytes)
            if not complete:
                limit = t.number(panel.settings.max_upload_bytes)
                too_large = t("contacts.error.too_large", limit=limit)
                return render(request, _failed(too_large, name), status=413)
            report = ImportReport(file=name)
            try:
                summary = import_contacts(
                    panel.database,
                    path,
                    region=panel.settings.default_region,
                    clock=panel.clock,
                    on_rejection=lambda rejection: report.add(rejection, folder, t),
                )
            except (UnreadableFile, UnicodeError, ValueError) as exc:
                message = import_error_text(str(exc).replace(folder + "/", ""), t)
                return render(request, _failed(message, name), status=400)
        report.counts = {
            "imported": summary.imported,
            "updated": summary.updated,
            "unchanged": summary.unchanged,
            "rejected": summary.rejected,
        }
        return render(request, report)

    @router.post(
        "/contacts/tags", response_class=HTMLResponse, dependencies=[Depends(require_csrf)]
    )
    async def change_tags(request: Request) -> Response:
        """Add or remove tags on the ticked contacts, or on every contact the list's filter
        shows (the API's bulk change, POST /api/contacts/tags)."""
        t = panel.translator(request)
        values = await request.form()
        result = bulk_tag_change(panel, values, t)
        status = 200 if result[0] == "ok" else 400
        return render(request, None, status=status, tagged=result)

    return router


def bulk_tag_change(panel: Panel, values: Any, t: Translator) -> tuple[str, str]:
    """("ok" or "error", the sentence to show) for the contacts page's tag form."""
    text = str(values.get("tags") or "")
    remove = values.get("action") == "remove"
    everyone = values.get("scope") == "filtered"
    phones = [str(v) for v in values.getlist("phone")]
    kind = str(values.get("filter") or "all")
    choice = ContactChoice(
        phones=None if everyone else phones,
        search=str(values.get("q") or "") or None,
        tag=str(values.get("tag") or "") or None,
        opted_out=True if kind == "opted_out" else None,
        everyone=everyone,
    )
    if not everyone and not phones:
        return "error", t("contacts.tags.none_selected")
    if not everyone:
        choice = ContactChoice(phones=phones)
    try:
        names = split_tags(text)
        with panel.database.session() as session:
            counted = change_tags(
                session,
                choice,
                add=() if remove else names,
                remove=names if remove else (),
                region=panel.settings.default_region,
                now=panel.clock.now(),
            )
    except (AudienceError, SelectionError) as exc:
        if isinstance(exc, SelectionError) and exc.field == "add":
            return "error", t("contacts.tags.no_tags")
        return "error", t("contacts.tags.invalid", reason=audience_text(str(exc), t))
    key = "contacts.tags.removed" if remove else "contacts.tags.added"
    changed = counted.removed if remove else counted.added
    return "ok", t(key, count=t.number(changed), contacts=t.number(counted.contacts))


def _failed(message: str, name: str) -> ImportReport:
    report = ImportReport(file=name)
    report.counts = {"imported": 0, "updated": 0, "unchanged": 0, "rejected": 0}
    report.problems.append(Problem(name, message))
    return report
