"""Every table of the dashboards as an .xlsx workbook: the same rows the page shows, numbers as numbers."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from io import BytesIO

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def table_workbook(title: str, headers: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title[:31]
    sheet.append([str(h) for h in headers])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([v if isinstance(v, int | float) or v is None else str(v) for v in row])
    for n, header in enumerate(headers, start=1):
        sheet.column_dimensions[get_column_letter(n)].width = max(12, min(40, len(str(header)) * 2 + 4))
    sheet.freeze_panes = "A2"
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def xlsx_response(
    filename: str, title: str, headers: Sequence[str], rows: Iterable[Sequence[object]]
) -> HttpResponse:
    response = HttpResponse(table_workbook(title, headers, rows), content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response
