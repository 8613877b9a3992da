"""Send exports people open in spreadsheets: CSV (streamed) and XLSX, the same columns.

Every cell goes through one function (:func:`export_row`), and every text from strangers
(contact names, Cloud API error titles) through ``domain.spreadsheet.safe_cell``, so no cell
of either format runs as a formula. openpyxl would store a string starting with ``=`` as a
formula; the leading ``'`` that safe_cell adds keeps it a string.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime

from openpyxl import Workbook

from wabroadcast.domain.spreadsheet import safe_cell
from wabroadcast.storage.db import Database
from wabroadcast.storage.send_results import SendFilter, export_batch
from wabroadcast.storage.tables import Send

EXPORT_BATCH = 2000
FORMATS = ("csv", "xlsx")
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_COLUMNS = (
    "send_id",
    "contact_id",
    "name",
    "phone",
    "state",
    "status",
    "claimed_at",
    "accepted_at",
    "sent_at",
    "delivered_at",
    "read_at",
    "failed_at",
    "error_code",
    "error",
    "message_id",
    "campaign_id",
    "template",
    "language",
    "pricing_category",
    "pricing_type",
)


def _iso(value: datetime | None) -> str:
    return value.isoformat() if value is not None else ""


def export_row(send: Send, name: str | None) -> list[str | int]:
    return [
        send.id,
        send.contact_id,
        safe_cell(name),
        send.phone or "",
        send.state,
        send.status or "",
        _iso(send.claimed_at),
        _iso(send.accepted_at),
        _iso(send.sent_at),
        _iso(send.delivered_at),
        _iso(send.read_at),
        _iso(send.failed_at),
        "" if send.error_code is None else send.error_code,
        safe_cell(send.error_title),
        send.message_id or "",
        "" if send.campaign_id is None else send.campaign_id,
        safe_cell(send.template_name),
        send.language or "",
        safe_cell(send.pricing_category),
        safe_cell(send.pricing_type),
    ]


def export_rows(database: Database, chosen: SendFilter) -> Iterator[list[list[str | int]]]:
    """Batches of rows, each read in its own short session."""
    after = 0
    while True:
        with database.session() as session:
            rows = export_batch(session, chosen, after=after, limit=EXPORT_BATCH)
        yield [export_row(send, name) for send, name in rows]
        if len(rows) < EXPORT_BATCH:
            return
        after = rows[-1][0].id


def csv_chunks(database: Database, chosen: SendFilter) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for batch in export_rows(database, chosen):
        writer.writerows(batch)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def xlsx_bytes(database: Database, chosen: SendFilter) -> bytes:
    """One sheet, "sends", in openpyxl's write-only mode (rows are not kept in memory)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("sends")
    sheet.append(list(CSV_COLUMNS))
    for batch in export_rows(database, chosen):
        for row in batch:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def export_filename(chosen: SendFilter, file_format: str) -> str:
    if chosen.campaign_id is not None:
        return f"campaign-{chosen.campaign_id}-sends.{file_format}"
    if chosen.contact_id is not None:
        return f"contact-{chosen.contact_id}-sends.{file_format}"
    return f"sends.{file_format}"
