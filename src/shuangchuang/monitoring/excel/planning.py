"""Planning the changes of an upload: rows matched to reports in the user's scope, values through
`validation.plan_changes`, a preview of old → new (`ImportCheck`), a re-check at confirmation and the save
through `services.apply_plan` with the versions seen at the preview."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext

from shuangchuang.accounts.models import User
from shuangchuang.core.bulk import gc_paused
from shuangchuang.core.policy import CHANGE
from shuangchuang.core.tabular import (
    TableError,
    matching_text,
)
from shuangchuang.registry.models import Base

from ..catalogue import Catalogue
from ..models import (
    EDITABLE_STATES,
    IndicatorVersion,
    Report,
    ReportingPeriod,
    ReportState,
    ValueType,
)
from ..services import apply_plan
from ..units import unit_label
from ..validation import (
    Plan,
    ValueChange,
    form_versions,
    parse_raw,
    plan_changes,
)
from .layout import BOOLEAN_WORDS, CSV_SHEET, form_of, forms_of, saved_values
from .reading import UNIT_SUFFIX, CellError, Upload, UploadedRow, read_upload

PREVIEW_LINES = 1000  # lines of old → new shown before only flagged ones are


# Checking an upload against the database


@dataclass(frozen=True)
class ChangeRow:
    """A line of the preview: one value of one base, old → new."""

    code: str
    field: str
    unit: str
    old: str
    new: str
    flags: list[dict[str, str]]
    explanation: str | None
    derived: bool
    explanation_dropped: str = ""  # the saved explanation that leaves with its flag
    from_formula: bool = False  # the file held a formula here; its saved result was read


@dataclass
class ImportCheck:
    """Everything the preview shows and the confirmation needs."""

    period: ReportingPeriod
    source: str
    errors: list[CellError] = field(default_factory=list)
    entries: list[tuple[Report, dict[str, str]]] = field(default_factory=list)
    explanations: dict[tuple[int, str], str] = field(default_factory=dict)
    versions: dict[int, int] = field(default_factory=dict)
    plan: Plan | None = None
    from_formulas: set[tuple[int, str]] = field(default_factory=set)  # (report, code) read from a formula

    @property
    def ok(self) -> bool:
        return not self.errors and self.plan is not None

    @property
    def changes(self) -> list[ValueChange]:
        return self.plan.changes if self.plan else []

    def changes_by_report(self, limit: int | None = None) -> list[tuple[Report, list[ChangeRow], int]]:
        """(report, the lines shown, how many more) per report. Past PREVIEW_LINES lines only flagged values
        are listed, so that a preview of a whole province stays readable and nothing unusual is hidden."""
        limit = PREVIEW_LINES if limit is None else limit
        grouped: dict[int, tuple[Report, list[ChangeRow], list[int]]] = {}
        shown = 0
        for change in self.changes:
            _, lines, hidden = grouped.setdefault(change.report.id, (change.report, [], [0]))
            if shown >= limit and not change.flags:
                hidden[0] += 1
                continue
            shown += 1
            version = change.version
            lines.append(
                ChangeRow(
                    code=change.code,
                    field=version.label,
                    unit=unit_label(version.unit),
                    old=display_value(version, change.old),
                    new=display_value(version, change.new),
                    flags=change.flags,
                    explanation=change.explanation,
                    derived=version.is_derived,
                    explanation_dropped=change.old_explanation if change.explanation == "" else "",
                    from_formula=(change.report.id, change.code) in self.from_formulas,
                )
            )
        return [(report, lines, hidden[0]) for report, lines, hidden in grouped.values()]

    def pending(self) -> dict[str, Any]:
        """What the confirmation needs, as JSON: the entries of the reports that change, and their versions."""
        changed = {c.report.id for c in self.changes}
        return {
            "period": self.period.pk,
            "source": self.source,
            "entries": [[r.pk, raw] for r, raw in self.entries if r.pk in changed],
            "explanations": [
                [pk, code, text] for (pk, code), text in self.explanations.items() if pk in changed
            ],
            "versions": {str(pk): v for pk, v in self.versions.items() if pk in changed},
            "reports": len(changed),
            "changes": len(self.changes),
        }


@gc_paused()
def check_upload(user: User, period: ReportingPeriod, data: bytes, source: str) -> ImportCheck:
    """Read, match and validate an uploaded file; write nothing. `check.ok` says whether it may be saved."""
    check = ImportCheck(period=period, source=source)
    try:
        upload = read_upload(data, source)
    except TableError as exc:
        sheet = exc.sheet or (CSV_SHEET if exc.row else "")
        check.errors.append(CellError(sheet, exc.row, exc.column, "", exc.message))
        return check
    check.errors.extend(upload.errors)
    if upload.period_code and upload.period_code.upper() != period.code.upper():
        check.errors.append(
            CellError(
                upload.sheet,
                0,
                0,
                "报告期",
                gettext("文件是报告期“%(file_period)s”的模板，与所选报告期“%(period)s（%(code)s）”不一致")
                % {"file_period": upload.period_code, "period": period.label, "code": period.code},
            )
        )
        return check

    codes = {row.base_code for row in upload.rows if row.base_code}
    reports = {
        r.base.code: r
        for r in Report.objects.restrict(user, CHANGE)
        .listed()
        .filter(period=period, base__code__in=codes)
        .order_by()
    }
    forms = forms_of(period, {r.base for r in reports.values()})
    # Every indicator of the period's forms of any direction and kind, to tell "not for this base" from
    # "no such indicator"
    known = {v.indicator.code: v for v in Catalogue.current().form(None, None, period.kind, period.year)}
    by_name = {matching_text(v.name): code for code, v in known.items()}
    _resolve_columns(upload, by_name, check.errors)

    locations: dict[tuple[int, str], tuple[UploadedRow, str]] = {}
    saved_in_closed = saved_values([r for r in reports.values() if not r.is_editable])
    for row in upload.rows:
        report = reports.get(row.base_code)
        if report is None:
            check.errors.append(
                CellError(
                    row.sheet,
                    row.row,
                    row.base_column,
                    "基地编号",
                    gettext(
                        "“%(code)s”不是本报告期您可以填报的基地（编号不存在、不在您的范围内或本期没有该基地的填报）"
                    )
                    % {"code": row.base_code},
                )
            )
            continue
        form = forms[form_of(report.base)]
        raw: dict[str, str] = {}
        for code, text in row.values.items():
            version = form.get(code)
            if version is None:
                if text and not code.startswith("#"):
                    message = (
                        _not_reported(report.base, known[code])
                        if code in known
                        else gettext("“%(code)s”不是本报告期的指标代码") % {"code": code}
                    )
                    name = known[code].name if code in known else row.labels.get(code, code)
                    check.errors.append(_at(row, code, name, message))
                continue
            if version.is_derived:
                continue  # computed by the system; a typed value is ignored, as on the page
            raw[code] = text
            locations[(report.id, code)] = (row, version.name)
            if row.from_formula(code, upload.formulas):
                check.from_formulas.add((report.id, code))
            explanation = row.explanations.get(code)
            if explanation is not None:
                check.explanations[(report.id, code)] = explanation
        if report.is_editable:
            check.entries.append((report, raw))
            check.versions[report.pk] = report.version
            continue
        # A report that is with its reviewer (or locked) may stand in the file unchanged; any change is an error.
        stored = saved_in_closed.get(report.pk, {})
        for code, text in raw.items():
            number, stored_text, stored_explanation = stored.get(code, (None, "", ""))
            value, error = parse_raw(form[code], text)
            explanation = check.explanations.pop((report.pk, code), None)
            changed = error is not None or not _same_value(
                value, number if number is not None else stored_text
            )
            if changed or (explanation is not None and explanation != stored_explanation):
                row, name = locations[(report.pk, code)]
                check.errors.append(_at(row, code, name, _closed_message(report)))
    _plan(check, locations)  # even after errors above: the user gets every error of the file at once
    return check


def _same_value(value: Decimal | str | None, stored: Decimal | str | None) -> bool:
    if isinstance(value, Decimal) and isinstance(stored, Decimal):
        return value == stored
    return (value if value != "" else None) == (stored if stored != "" else None)


def _closed_message(report: Report) -> str:
    values = {"base": report.base.short_name, "state": report.get_state_display()}
    if report.state == ReportState.SUBMITTED:
        return (
            gettext("%(base)s的本期填报%(state)s，不能通过导入修改（如需更正，请审核单位退回后由基地修改）")
            % values
        )
    return gettext("%(base)s的本期填报%(state)s，不能通过导入修改") % values


def _resolve_columns(upload: Upload, by_name: dict[str, str], errors: list[CellError]) -> None:
    """A CSV typed by hand may lack the code row: its columns are matched by indicator name (both as
    `matching_text`: full-width or half-width brackets alike), with or without the unit and “(自动计算)” that
    the template adds in brackets."""
    taken = {code for code in upload.rows[0].values if not code.startswith("#")} if upload.rows else set()
    for index, label in upload.unresolved.items():
        name = matching_text(label)
        code = by_name.get(name)
        while code is None and UNIT_SUFFIX.search(name):
            name = UNIT_SUFFIX.sub("", name).strip()
            code = by_name.get(name)
        if code is None:
            errors.append(
                CellError(
                    upload.sheet, upload.header_row, index + 1, label, gettext("表头不是本报告期的指标名称")
                )
            )
            continue
        if code in taken:
            errors.append(
                CellError(upload.sheet, upload.header_row, index + 1, label, gettext("指标在表头中重复"))
            )
            continue
        taken.add(code)
        key = f"#{index}"
        for row in upload.rows:
            row.values[code] = row.values.pop(key)
            row.cells[code] = row.cells.pop(key)
            row.labels[code] = row.labels.pop(key)


def _at(row: UploadedRow, code: str, field_name: str, message: str) -> CellError:
    number, column = row.cells.get(code, (row.row, row.base_column))
    return CellError(row.sheet, number, column, field_name, message)


def _plan(check: ImportCheck, locations: dict[tuple[int, str], tuple[UploadedRow, str]]) -> None:
    plan = plan_changes(check.entries, explanations=check.explanations)
    row_of = {pk: row for (pk, _), (row, _) in locations.items()} if plan.errors else {}
    for error in plan.errors:
        located = locations.get((error.report.pk, error.code))
        if located:
            row, name = located
            check.errors.append(_at(row, error.code, name, error.message))
        else:  # a logic check on a value the file does not hold: point at the base
            base_row = row_of.get(error.report.pk)
            sheet, number, column = (
                (base_row.sheet, base_row.row, base_row.base_column) if base_row else ("", 0, 0)
            )
            name = _indicator_name(error.report, error.code)
            check.errors.append(CellError(sheet, number, column, name, error.message))
    for report in plan.reports:  # only at confirmation: a report that left the base since the preview
        if report.state not in EDITABLE_STATES:
            check.errors.append(CellError("", 0, 0, report.base.short_name, _closed_message(report)))
    check.errors.sort(key=lambda e: (e.sheet, e.row, e.column))
    check.plan = plan


def _not_reported(base: Base, version: IndicatorVersion) -> str:
    """Why a base leaves an indicator empty: its direction's form or its kind of base does not have it."""
    if not version.applies_to(base.kind):
        return gettext("%(kind)s基地不填报此指标（本指标由%(kinds)s基地填报）") % {
            "kind": base.get_kind_display(),
            "kinds": version.kinds_label,
        }
    return gettext("%(direction)s方向的基地本期不填报此指标") % {"direction": base.direction}


def _indicator_name(report: Report, code: str) -> str:
    form = form_versions(report.base, report.period)
    return form[code].name if code in form else code


@gc_paused()
def recheck(user: User, pending: dict[str, Any]) -> ImportCheck:
    """Plan a previewed upload again at confirmation, against the data as it is now."""
    period = ReportingPeriod.objects.get(pk=pending["period"])
    check = ImportCheck(period=period, source=pending["source"])
    wanted = [pk for pk, _ in pending["entries"]]
    reports = Report.objects.restrict(user, CHANGE).listed().filter(pk__in=wanted, period=period).in_bulk()
    for pk, raw in pending["entries"]:
        report = reports.get(pk)
        if report is None:
            check.errors.append(
                CellError("", 0, 0, "", gettext("文件中有基地已不在您的填报范围内，请重新上传。"))
            )
            return check
        check.entries.append((report, raw))
    check.explanations = {(pk, code): text for pk, code, text in pending["explanations"]}
    check.versions = {int(pk): version for pk, version in pending["versions"].items()}
    for report, _ in check.entries:
        if report.version != check.versions.get(report.pk):
            # Planning again would quietly show "no change" for values someone else just saved.
            check.errors.append(
                CellError(
                    "",
                    0,
                    0,
                    report.base.short_name,
                    gettext("%(report)s 在您预览之后已被修改，请重新下载模板核对后再上传。")
                    % {"report": report},
                )
            )
    if not check.errors:
        _plan(check, {})
    return check


@gc_paused()
def save_import(check: ImportCheck, *, actor: User, note: str = "") -> int:
    """Apply a checked upload in one transaction, or raise a MonitoringError and save nothing."""
    assert check.plan is not None and check.ok
    reason = f"Excel 导入（{check.source}）" + (f"：{note}" if note else "")
    return apply_plan(
        check.plan, actor=actor, reason=reason, source="excel", expected_versions=check.versions
    )


def display_value(version: IndicatorVersion, value: Decimal | str | None) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        return value
    if version.value_type == ValueType.BOOLEAN:
        return gettext(
            BOOLEAN_WORDS[0] if value else BOOLEAN_WORDS[1]
        )  # the preview page: the reader's words
    return f"{value.normalize():,f}"


def upload_periods(user: User) -> QuerySet[ReportingPeriod]:
    """The periods in which the user may fill in at least one report, newest first."""
    reports = Report.objects.restrict(user, CHANGE)
    return (
        ReportingPeriod.objects.restrict(user)
        .filter(pk__in=reports.values("period_id"))
        .order_by("-year", "-quarter")
    )
