"""The Excel round trip of operation monitoring: templates to download, uploads to check and save.

Two layouts, both pre-filled with what is saved:

- one base's report (`report_workbook`): a title, the base and period, then one row per indicator grouped
  by section (指标代码, 指标名称, 计量单位, 本期数值, 上期数值, 情况说明, 指标解释);
- many bases in one sheet (`bases_workbook`), what an authority collects: one row per base, the base code
  and name first, a header row of indicator names with units and a hidden row of indicator codes. The same
  layout is accepted as CSV (UTF-8 or GBK).

Input cells are the only unlocked ones; the sheet is protected without a password (it guards against slips,
not people). A hidden sheet “说明” carries the instructions and the period the file was made for.

An upload is checked completely before anything is saved (`check_upload`): the file is read as hostile
(`core.tabular.read_sheets`), rows are matched to reports inside the user's scope, and the values go through
`validation.plan_changes`. Errors name sheet, cell, field and reason. The caller keeps `ImportCheck.pending()`
(JSON) and, when the user confirms, `recheck` plans again and `save_import` applies the plan with the
report versions seen at the preview, so that a change made in between is refused, not overwritten.

The package by concern: `templates` writes the workbooks, `reading` reads and recognises an upload,
`planning` matches it to reports and plans, re-checks and saves the changes; `layout` holds what they share.
Import from the package (`from shuangchuang.monitoring.excel import check_upload`).
"""

from .layout import (
    BASE_CODE,
    BASE_NAME,
    BOOLEAN_WORDS,
    CSV_SHEET,
    DATA_SHEET,
    META_COLUMNS,
    NOTES_SHEET,
    NUMBER_FORMATS,
    PERIOD_KEY,
    REPORT_HEADER,
    STATE,
)
from .planning import (
    PREVIEW_LINES,
    ChangeRow,
    ImportCheck,
    check_upload,
    display_value,
    recheck,
    save_import,
    upload_periods,
)
from .reading import CellError, Upload, UploadedRow, read_upload
from .templates import bases_workbook, report_workbook

__all__ = [
    "BASE_CODE",
    "BASE_NAME",
    "BOOLEAN_WORDS",
    "CSV_SHEET",
    "DATA_SHEET",
    "META_COLUMNS",
    "NOTES_SHEET",
    "NUMBER_FORMATS",
    "PERIOD_KEY",
    "PREVIEW_LINES",
    "REPORT_HEADER",
    "STATE",
    "CellError",
    "ChangeRow",
    "ImportCheck",
    "Upload",
    "UploadedRow",
    "bases_workbook",
    "check_upload",
    "display_value",
    "read_upload",
    "recheck",
    "report_workbook",
    "save_import",
    "upload_periods",
]
