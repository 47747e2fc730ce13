"""Reminder e-mails about overdue problems, to whoever holds each one: the base's authority, the national
office once escalated, the member department it was referred to.

Run daily by `manage.py send_problem_reminders` (cron or a systemd timer), like the monitoring reminders. A
problem is reminded at most once a day: each e-mail sent is written to the audit log with the day it was
for, which the next run checks. A failed delivery or a holder without an e-mail address is not logged, so
the next run tries again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.mail import get_connection, send_mail
from django.db.models import Q
from django.utils import timezone

from shuangchuang.accounts.models import Role, User
from shuangchuang.core.audit import audit_event, record_many
from shuangchuang.core.models import AuditEvent

from .models import AUTHORITY, MEMBER, NATIONAL, Problem

ACTION = "records.problem.reminder"


@dataclass
class ProblemReminder:
    problem: Problem
    recipients: list[str]
    days_overdue: int

    def subject(self) -> str:
        return f"【双创示范基地问题办理】{self.problem.base.short_name}“{self.problem.title}”已逾期 {self.days_overdue} 天"

    def body(self) -> str:
        p = self.problem
        due = f"{p.due_on.year}年{p.due_on.month}月{p.due_on.day}日"
        return "\n".join(
            [
                f"{p.holder_label}：",
                "",
                f"{p.base.current_name}提出的问题“{p.title}”（{p.get_category_display()}）办理期限为 {due}，"
                f"目前状态为“{p.get_state_display()}”，已逾期 {self.days_overdue} 天。",
                "",
                f"需要的支持：{p.needs}",
                "",
                "请登录双创示范基地监测评估平台，在“问题困难”中办理或答复。",
                "",
                "此邮件由系统自动发送，请勿直接回复。",
            ]
        )


@dataclass
class ProblemReminderRun:
    today: dt.date
    dry_run: bool
    reminders: list[ProblemReminder] = field(default_factory=list)
    sent: list[ProblemReminder] = field(default_factory=list)
    already_today: int = 0
    without_address: list[ProblemReminder] = field(default_factory=list)
    failed: list[tuple[ProblemReminder, str]] = field(default_factory=list)

    def summary(self) -> str:
        verb = "将发送" if self.dry_run else "已发送"
        return (
            f"{self.today:%Y-%m-%d}：逾期问题 {len(self.reminders) + self.already_today} 个，"
            f"{verb}提醒 {len(self.sent)} 个，今日已提醒 {self.already_today} 个，"
            f"无收件邮箱 {len(self.without_address)} 个，发送失败 {len(self.failed)} 个"
        )


def _addresses(problems: list[Problem]) -> dict[int, list[str]]:
    """Each problem's holders' e-mail addresses, in a fixed number of queries."""
    holders = User.objects.filter(is_active=True).exclude(email="").order_by("pk")
    authorities: dict[int, list[str]] = {}
    for authority_id, email in holders.filter(
        role=Role.AUTHORITY, authority_id__in={p.base.authority_id for p in problems}
    ).values_list("authority_id", "email"):
        authorities.setdefault(authority_id, []).append(email)
    national = list(holders.filter(role=Role.NATIONAL_ADMIN).values_list("email", flat=True))
    members: dict[str, list[str]] = {}
    for organization, email in holders.filter(
        role=Role.JOINT_MEMBER, organization__in={p.referred_to for p in problems if p.referred_to}
    ).values_list("organization", "email"):
        members.setdefault(organization, []).append(email)
    result = {}
    for p in problems:
        if p.holder == AUTHORITY:
            result[p.pk] = authorities.get(p.base.authority_id, [])
        elif p.holder == NATIONAL:
            result[p.pk] = national
        elif p.holder == MEMBER:
            result[p.pk] = members.get(p.referred_to, [])
    return result


def due_problem_reminders(today: dt.date) -> tuple[list[ProblemReminder], int]:
    """The overdue problems not yet reminded today, with their holders' addresses; and how many were."""
    overdue = list(Problem.objects.overdue(today).listed().order_by("due_on", "pk"))
    reminded = set(
        AuditEvent.objects.filter(
            Q(new_value__date=today.isoformat()),
            action=ACTION,
            object_type=Problem._meta.label,
            object_id__in=[str(p.pk) for p in overdue],
        ).values_list("object_id", flat=True)
    )
    problems = [p for p in overdue if str(p.pk) not in reminded]
    addresses = _addresses(problems)
    reminders = [ProblemReminder(p, addresses.get(p.pk, []), (today - p.due_on).days) for p in problems]
    return reminders, len(overdue) - len(problems)


def send_problem_reminders(
    *, today: dt.date | None = None, dry_run: bool = False, connection: Any = None
) -> ProblemReminderRun:
    """E-mail the holder of every overdue problem; each problem at most once a day."""
    today = today or timezone.localdate()
    reminders, already = due_problem_reminders(today)
    run = ProblemReminderRun(today=today, dry_run=dry_run, reminders=reminders, already_today=already)
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
                reminder.body(),
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
                reminder.problem,
                field="email",
                new={"date": today.isoformat(), "holder": reminder.problem.holder, "to": reminder.recipients},
                reason=f"逾期 {reminder.days_overdue} 天",
            )
        )
    record_many(events)
    return run
