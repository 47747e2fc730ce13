"""Reminder e-mails to bases whose reports are due soon, late, or returned for correction.

Run daily by `manage.py send_reminders` (cron or a systemd timer). A report is reminded at most once a day:
each e-mail sent is written to the audit log with the day it was for, and that is what the next run checks.
A failed delivery or a base without an operator e-mail address is not logged, so the next run tries again.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.mail import get_connection, send_mail
from django.db.models import Q
from django.utils import timezone

from shuangchuang.accounts.models import Role, User
from shuangchuang.core.audit import audit_event, record_many
from shuangchuang.core.models import AuditEvent

from .catalogue import Catalogue
from .completeness import PRESENT
from .models import EDITABLE_STATES, IndicatorVersion, Report, ReportState, ReportValue
from .periods import ACTIVE_STATUSES

ACTION = "monitoring.reminder"
DEFAULT_DAYS = 7
MAX_LISTED = 15


class Kind:
    DUE_SOON = "due_soon"
    LATE = "late"
    RETURNED = "returned"
    SUBJECT = {DUE_SOON: "填报即将截止", LATE: "填报已逾期", RETURNED: "填报被退回待修改"}


@dataclass
class Reminder:
    report: Report
    kind: str
    missing: list[IndicatorVersion]
    recipients: list[str]

    def subject(self) -> str:
        return f"【双创示范基地运行监测】{self.report.base.short_name} {self.report.period}{Kind.SUBJECT[self.kind]}"

    def body(self, today: dt.date) -> str:
        report, period = self.report, self.report.period
        due = f"{period.due_on.year}年{period.due_on.month}月{period.due_on.day}日"
        lines = [f"{report.base.current_name}：", ""]
        if self.kind == Kind.RETURNED:
            lines.append(
                f"贵基地{period}运行监测数据已被退回，请按审核意见修改后重新报送（截止日期 {due}）。"
            )
            if report.return_reason:
                lines.append(f"退回原因：{report.return_reason}")
        elif self.kind == Kind.LATE:
            overdue = (today - period.due_on).days
            lines.append(
                f"贵基地{period}运行监测数据的填报截止日期为 {due}，已逾期 {overdue} 天，尚未报送，请尽快填报。"
            )
        else:
            left = (period.due_on - today).days
            when = "今天截止" if left == 0 else f"距截止还有 {left} 天"
            lines.append(f"贵基地{period}运行监测数据的填报截止日期为 {due}（{when}），目前尚未报送。")
        if self.missing:
            lines += ["", f"尚未填写的必填指标（共 {len(self.missing)} 项）："]
            lines += [
                f"  · {v.name}" + (f"（{v.unit}）" if v.unit else "") for v in self.missing[:MAX_LISTED]
            ]
            if len(self.missing) > MAX_LISTED:
                lines.append(f"  …… 等共 {len(self.missing)} 项")
        elif self.kind != Kind.RETURNED:
            lines += ["", "必填指标已全部填写，请核对后点击“报送”。"]
        lines += [
            "",
            "请登录双创示范基地监测评估平台，在“运行监测”中填报。",
            "",
            "此邮件由系统自动发送，请勿直接回复。",
        ]
        return "\n".join(lines)


@dataclass
class ReminderRun:
    today: dt.date
    dry_run: bool
    reminders: list[Reminder] = field(default_factory=list)
    sent: list[Reminder] = field(default_factory=list)
    already_today: int = 0
    without_address: list[Reminder] = field(default_factory=list)
    failed: list[tuple[Reminder, str]] = field(default_factory=list)

    def summary(self) -> str:
        counts: defaultdict[str, int] = defaultdict(int)
        for reminder in self.reminders:
            counts[reminder.kind] += 1
        verb = "将发送" if self.dry_run else "已发送"
        return (
            f"{self.today:%Y-%m-%d}：需提醒 {len(self.reminders)} 份填报"
            f"（即将截止 {counts[Kind.DUE_SOON]}，已逾期 {counts[Kind.LATE]}，被退回 {counts[Kind.RETURNED]}），"
            f"{verb}提醒 {len(self.sent)} 份，今日已提醒 {self.already_today} 份，"
            f"无填报员邮箱 {len(self.without_address)} 份，发送失败 {len(self.failed)} 份"
        )


def due_reminders(today: dt.date, days: int = DEFAULT_DAYS) -> tuple[list[Reminder], int]:
    """Reports still with their base in open periods that are due within `days`, late, or returned;
    and how many of them were reminded already today. A fixed number of queries."""
    candidates = list(
        Report.objects.filter(
            Q(period__due_on__lte=today + dt.timedelta(days=days)) | Q(state=ReportState.RETURNED),
            period__is_open=True,
            period__opens_on__lte=today,
            state__in=EDITABLE_STATES,
            base__status__in=ACTIVE_STATUSES,
        )
        .select_related("base", "period")
        .order_by("period__due_on", "base__code")
    )
    reminded = set(
        AuditEvent.objects.filter(
            action=ACTION,
            object_type=Report._meta.label,
            object_id__in=[str(r.pk) for r in candidates],
            new_value__date=today.isoformat(),
        ).values_list("object_id", flat=True)
    )
    reports = [r for r in candidates if str(r.pk) not in reminded]
    addresses: dict[int, list[str]] = defaultdict(list)
    for base_id, email in (
        User.objects.filter(role=Role.OPERATOR, is_active=True, base_id__in={r.base_id for r in reports})
        .exclude(email="")
        .order_by("pk")
        .values_list("base_id", "email")
    ):
        addresses[base_id].append(email)
    present: dict[int, set[int]] = defaultdict(set)
    for report_id, indicator_id in (
        ReportValue.objects.filter(report__in=reports)
        .filter(PRESENT)
        .values_list("report_id", "indicator_id")
    ):
        present[report_id].add(indicator_id)
    catalogue = Catalogue.current()
    reminders = []
    for report in reports:
        if report.state == ReportState.RETURNED:
            kind = Kind.RETURNED
        elif report.period.due_on < today:
            kind = Kind.LATE
        else:
            kind = Kind.DUE_SOON
        required = catalogue.required_entries(
            report.base.direction_id, report.base.kind, report.period.kind, report.period.year
        )
        missing = [v for v in required if v.indicator_id not in present[report.pk]]
        reminders.append(Reminder(report, kind, missing, addresses.get(report.base_id, [])))
    return reminders, len(candidates) - len(reports)


def send_reminders(
    *, today: dt.date | None = None, days: int = DEFAULT_DAYS, dry_run: bool = False, connection: Any = None
) -> ReminderRun:
    """E-mail the operators of every base that needs a reminder today; each report at most once a day."""
    today = today or timezone.localdate()
    reminders, already = due_reminders(today, days)
    run = ReminderRun(today=today, dry_run=dry_run, reminders=reminders, already_today=already)
    connection = connection or (None if dry_run else get_connection())
    events = []
    for reminder in reminders:
        if not reminder.recipients:
            run.without_address.append(reminder)
            continue
        if dry_run:
            run.sent.append(reminder)
            continue
        try:
            send_mail(
                reminder.subject(),
                reminder.body(today),
                settings.DEFAULT_FROM_EMAIL,
                reminder.recipients,
                connection=connection,
            )
        except Exception as exc:  # one bad address or a flaky server must not stop the others
            run.failed.append((reminder, str(exc)))
            continue
        run.sent.append(reminder)
        events.append(
            audit_event(
                None,
                ACTION,
                reminder.report,
                field="email",
                new={"date": today.isoformat(), "kind": reminder.kind, "to": reminder.recipients},
                reason=reminder.subject(),
            )
        )
    record_many(events)
    return run
