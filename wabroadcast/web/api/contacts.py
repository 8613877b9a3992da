"""/api/contacts: upload a file (same report as the CLI), list and search, opt out / in by hand."""

from __future__ import annotations

import tempfile
from pathlib import Path as FilePath
from typing import Annotated, Literal

from anyio import to_thread
from fastapi import APIRouter, File, Form, Path, Query, UploadFile
from sqlalchemy.orm import Session

from wabroadcast.clock import Clock
from wabroadcast.config import Settings
from wabroadcast.contacts.encodings import UnreadableFile, UnsupportedEncoding
from wabroadcast.contacts.importing import import_contacts
from wabroadcast.contacts.report import Rejection
from wabroadcast.storage.contacts import find_contacts
from wabroadcast.storage.db import Database
from wabroadcast.storage.optouts import RESUME, STOP, record_opt_change
from wabroadcast.storage.tables import Contact
from wabroadcast.storage.tags import tags_of
from wabroadcast.web.api.deps import ClockDep, DatabaseDep, SessionDep, SettingsDep
from wabroadcast.web.api.schemas import (
    NO_CONTROL_CHARACTERS,
    ContactPage,
    ContactPublic,
    ImportProblem,
    ImportReport,
)
from wabroadcast.web.errors import ApiError
from wabroadcast.web.uploads import copy_bounded

ContactOrder = Literal["send", "newest"]

router = APIRouter(prefix="/api/contacts", tags=["contacts"])
ContactId = Annotated[int, Path(ge=1, le=2**63 - 1, description="Contact id.")]
MANUAL = "manual"
MAX_PROBLEMS = 1000
"""Problems listed in the answer; the counts always cover every row."""


def contact_public(contact: Contact, tags: list[str] | None = None) -> ContactPublic:
    return ContactPublic(
        id=contact.id,
        phone=contact.phone,
        name=contact.name,
        index=contact.index,
        attributes=dict(contact.attributes or {}),
        wa_id=contact.wa_id,
        user_id=contact.user_id,
        opted_out=contact.opted_out_at is not None,
        opted_out_at=contact.opted_out_at,
        opt_out_reason=contact.opt_out_reason,
        unreachable_at=contact.unreachable_at,
        unreachable_reason=contact.unreachable_reason,
        tags=tags or [],
        created_at=contact.created_at,
        updated_at=contact.updated_at,
    )


@router.get("", response_model=ContactPage)
def list_contacts(
    session: SessionDep,
    settings: SettingsDep,
    q: Annotated[
        str | None,
        Query(max_length=200, pattern=NO_CONTROL_CHARACTERS, description="Name or number."),
    ] = None,
    opted_out: Annotated[bool | None, Query(description="Only (not) opted-out.")] = None,
    tag: Annotated[
        str | None,
        Query(max_length=64, pattern=NO_CONTROL_CHARACTERS, description="Carrying this tag."),
    ] = None,
    hide_demo: Annotated[
        bool, Query(description="Leave out the sandbox's demo contacts (attributes.demo).")
    ] = False,
    order: Annotated[
        ContactOrder, Query(description="`send` (send order) or `newest` (latest imported first).")
    ] = "send",
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
    offset: Annotated[int, Query(ge=0, le=100_000_000)] = 0,
) -> ContactPage:
    """In send order (the imported `index`, then id), like the engine selects them, or the
    latest imported first with `order=newest`; `hide_demo=true` leaves out the demo contacts.

    `q` matches names ignoring case and accents (`sukru` finds `Şükrü`, `isik` finds `IŞIK`)
    and numbers in any format (`0555 123 45 67`, `+90 555 123 45 67`, a tail such as `4567`).
    """
    found = find_contacts(
        session,
        search=q,
        region=settings.default_region,
        opted_out=opted_out,
        tag=tag,
        demo=False if hide_demo else None,
        newest_first=order == "newest",
        limit=limit,
        offset=offset,
    )
    tags = tags_of(session, [c.id for c in found.contacts])
    items = [contact_public(c, tags[c.id]) for c in found.contacts]
    return ContactPage(items=items, total=found.total or 0, limit=limit, offset=offset)


def _opt(session: Session, clock: Clock, contact_id: int, action: str) -> ContactPublic:
    if session.get(Contact, contact_id) is None:
        raise ApiError(404, "not_found", f"contact {contact_id} does not exist")
    now = clock.now()
    record_opt_change(session, contact_id, action=action, reason=MANUAL, occurred_at=now, now=now)
    contact = session.get(Contact, contact_id, populate_existing=True)
    assert contact is not None
    return contact_public(contact)


@router.post("/{contact_id}/opt-out", response_model=ContactPublic)
def opt_out(contact_id: ContactId, session: SessionDep, clock: ClockDep) -> ContactPublic:
    """No campaign selects the contact again until opted back in (logged with reason manual)."""
    return _opt(session, clock, contact_id, STOP)


@router.post("/{contact_id}/opt-in", response_model=ContactPublic)
def opt_in(contact_id: ContactId, session: SessionDep, clock: ClockDep) -> ContactPublic:
    """Opt the contact back in (logged with reason manual)."""
    return _opt(session, clock, contact_id, RESUME)


@router.post("", response_model=ImportReport)
async def upload(
    database: DatabaseDep,
    settings: SettingsDep,
    clock: ClockDep,
    file: Annotated[UploadFile, File(description="contacts_with_index.json or a CSV file.")],
    file_format: Annotated[Literal["json", "csv"] | None, Form(alias="format")] = None,
    encoding: Annotated[str, Form(max_length=40, pattern=r"^[A-Za-z0-9_.:-]+$")] = "utf-8",
    phone_column: Annotated[str | None, Form(max_length=200, pattern=NO_CONTROL_CHARACTERS)] = None,
    name_column: Annotated[str | None, Form(max_length=200, pattern=NO_CONTROL_CHARACTERS)] = None,
    dry_run: Annotated[bool, Form()] = False,
) -> ImportReport:
    """Import a file like `wabroadcast contacts import`: every good row is imported, every bad
    one reported with its line and reason. Re-uploading the same file changes nothing."""
    name = FilePath(file.filename or "upload").name or "upload"
    suffix = FilePath(name).suffix.lower() if FilePath(name).suffix.lower() in _SUFFIXES else ""
    with tempfile.TemporaryDirectory(prefix="wabroadcast-upload-") as folder:
        path = FilePath(folder) / f"contacts{suffix}"
        with path.open("wb") as target:
            limit = settings.max_upload_bytes
            complete = await to_thread.run_sync(copy_bounded, file.file, target, limit)
        await file.close()
        if not complete:
            message = f"file larger than {limit:,} bytes (the MAX_UPLOAD_BYTES setting)"
            raise ApiError(413, "too_large", message, field="file")
        options = _ImportOptions(file_format, encoding, phone_column, name_column, dry_run)
        return await to_thread.run_sync(_import, database, settings, clock, path, name, options)


_SUFFIXES = (".json", ".csv", ".tsv", ".txt")


class _ImportOptions:
    def __init__(
        self,
        file_format: str | None,
        encoding: str,
        phone_column: str | None,
        name_column: str | None,
        dry_run: bool,
    ) -> None:
        self.file_format = file_format
        self.encoding = encoding
        self.phone_column = phone_column or None
        self.name_column = name_column or None
        self.dry_run = dry_run


def _import(
    database: Database,
    settings: Settings,
    clock: Clock,
    path: FilePath,
    shown_name: str,
    options: _ImportOptions,
) -> ImportReport:
    problems: list[ImportProblem] = []
    truncated = False

    def collect(rejection: Rejection) -> None:
        nonlocal truncated
        if len(problems) >= MAX_PROBLEMS:
            truncated = True
            return
        problems.append(
            ImportProblem(
                line=rejection.line,
                element=rejection.element,
                reason=rejection.reason,
                value=rejection.value or None,
                lost=rejection.lost,
            )
        )

    try:
        summary = import_contacts(
            database,
            path,
            file_format=options.file_format,
            region=settings.default_region,
            encoding=options.encoding,
            phone_column=options.phone_column,
            name_column=options.name_column,
            dry_run=options.dry_run,
            clock=clock,
            on_rejection=collect,
        )
    except UnreadableFile as exc:
        message = str(exc).replace(str(path), shown_name)
        if isinstance(exc, UnsupportedEncoding):
            raise ApiError(400, "unsupported_encoding", message, field="encoding") from None
        if not message.startswith(shown_name):
            message = f"{shown_name}: {message}"
        raise ApiError(400, "unreadable_file", message, field="file") from None
    return ImportReport(
        file=shown_name,
        imported=summary.imported,
        updated=summary.updated,
        unchanged=summary.unchanged,
        rejected=summary.rejected,
        dry_run=options.dry_run,
        problems=problems,
        problems_truncated=truncated,
    )
