"""/api/sends.csv and /api/sends.xlsx: every send of every contact, or of one contact or one
template, with its stages, error and pricing (the campaign export's columns)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from fastapi.responses import StreamingResponse

from wabroadcast.storage.db import Database
from wabroadcast.storage.send_results import SendFilter
from wabroadcast.web.api.deps import DatabaseDep
from wabroadcast.web.api.schemas import NO_CONTROL_CHARACTERS
from wabroadcast.web.exports import XLSX_MEDIA_TYPE, csv_chunks, export_filename, xlsx_bytes

router = APIRouter(prefix="/api/sends", tags=["sends"])

ContactFilter = Annotated[
    int | None, Query(ge=1, le=2**63 - 1, description="Only this contact's sends.")
]
TemplateFilter = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=512,
        pattern=NO_CONTROL_CHARACTERS,
        description="Only this template's sends.",
    ),
]


def export_response(database: Database, chosen: SendFilter, file_format: str) -> Response:
    """CSV streamed in batches; XLSX built in write-only mode, then sent whole."""
    headers = {
        "Content-Disposition": f'attachment; filename="{export_filename(chosen, file_format)}"'
    }
    if file_format == "xlsx":
        return Response(xlsx_bytes(database, chosen), media_type=XLSX_MEDIA_TYPE, headers=headers)
    return StreamingResponse(
        csv_chunks(database, chosen), media_type="text/csv; charset=utf-8", headers=headers
    )


@router.get(
    ".csv",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}, "description": "One row per send."}},
)
def export_csv(
    database: DatabaseDep, contact_id: ContactFilter = None, template: TemplateFilter = None
) -> Response:
    """Sends of all contacts (or of `contact_id`, or of `template`) as CSV, in send id order."""
    return export_response(
        database, SendFilter(contact_id=contact_id, template_name=template), "csv"
    )


@router.get(
    ".xlsx",
    response_class=Response,
    responses={200: {"content": {XLSX_MEDIA_TYPE: {}}, "description": "One row per send."}},
)
def export_xlsx(
    database: DatabaseDep, contact_id: ContactFilter = None, template: TemplateFilter = None
) -> Response:
    """The same rows as sends.csv, as an Excel workbook."""
    return export_response(
        database, SendFilter(contact_id=contact_id, template_name=template), "xlsx"
    )
