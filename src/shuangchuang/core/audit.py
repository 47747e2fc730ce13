"""Writing audit events. Call from inside the service's transaction."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from .models import AuditEvent
from .policy import Someone


def _actor_name(actor: Someone) -> str:
    if actor is None:
        return "系统"
    full_name = getattr(actor, "get_full_name", None)  # the project's accounts have one (林填报)
    return (full_name() if callable(full_name) else "") or actor.get_username()


def audit_event(
    actor: Someone,
    action: str,
    obj: models.Model,
    *,
    field: str = "",
    old: Any = None,
    new: Any = None,
    reason: str = "",
) -> AuditEvent:
    return AuditEvent(
        actor_id=getattr(actor, "pk", None),
        actor_name=_actor_name(actor),
        action=action,
        object_type=obj._meta.label,
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        field=field,
        old_value=old,
        new_value=new,
        reason=reason,
    )


def record(actor: Someone, action: str, obj: models.Model, **kwargs: Any) -> AuditEvent:
    event = audit_event(actor, action, obj, **kwargs)
    event.save()
    return event


def record_about(
    actor: Someone, action: str, object_type: str, object_id: str, object_repr: str, **kwargs: Any
) -> AuditEvent:
    """An event about something that is not one saved object: a list exported, a file refused before it
    became anything. `object_type` is a model label ("registry.Base") or a word of the app's own."""
    return AuditEvent.objects.create(
        actor_id=getattr(actor, "pk", None),
        actor_name=_actor_name(actor),
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr[:200],
        field=kwargs.get("field", ""),
        old_value=kwargs.get("old"),
        new_value=kwargs.get("new"),
        reason=kwargs.get("reason", ""),
    )


def record_export(
    actor: Someone,
    object_type: str,
    what: str,
    *,
    filename: str,
    rows: int | None = None,
    filters: dict[str, Any] | None = None,
    object_id: str = "",
) -> AuditEvent:
    """A download of program data or of the log: what, which file, how many rows, under which filters."""
    return record_about(
        actor,
        "export",
        object_type,
        object_id,
        what,
        new={"file": filename, "rows": rows, "filters": filters or {}},
    )


def file_facts(upload: Any) -> dict[str, Any]:
    """Name, size and SHA-256 of an uploaded file (read in chunks, then rewound for whoever reads next)."""
    digest = hashlib.sha256()
    size = 0
    if hasattr(upload, "seek"):
        upload.seek(0)
    chunks = upload.chunks() if hasattr(upload, "chunks") else iter([upload.read()])
    for chunk in chunks:
        digest.update(chunk)
        size += len(chunk)
    if hasattr(upload, "seek"):
        upload.seek(0)
    return {"file": str(getattr(upload, "name", "") or ""), "size": size, "sha256": digest.hexdigest()}


def record_upload(
    actor: Someone,
    about: models.Model | tuple[str, str, str],
    facts: dict[str, Any],
    *,
    accepted: bool,
    reason: str = "",
) -> AuditEvent:
    """An uploaded file accepted or refused, with its name, size and SHA-256 (`file_facts`) and, when
    refused, why. `about` is the object it was for, or (object type, id, words) when there is none."""
    action = "upload.accepted" if accepted else "upload.rejected"
    if isinstance(about, models.Model):
        return record(actor, action, about, new=facts, reason=reason[:2000])
    object_type, object_id, words = about
    return record_about(actor, action, object_type, object_id, words, new=facts, reason=reason[:2000])


def record_many(events: Iterable[AuditEvent]) -> None:
    AuditEvent.objects.bulk_create(list(events), batch_size=1000)


def field_history(events: Iterable[AuditEvent], field: str) -> list[tuple[AuditEvent, Any, Any]]:
    """(event, old, new) for each of these events that changed `field`, whether the event changed that
    field alone or was a save of many fields."""
    return [(event, old, new) for event in events for name, old, new in event.changes if name == field]


# What each action code means, for the audit log page. Codes stay in the database and in the filter's URL;
# an action without a label here is shown as its code.
ACTION_LABELS = {
    "accounts.create": _("新建账户"),
    "accounts.change": _("修改账户"),
    "accounts.role_change": _("变更角色"),
    "accounts.deactivate": _("停用账户"),
    "accounts.reactivate": _("启用账户"),
    "accounts.delete": _("删除账户"),
    "accounts.disable_unused": _("停用长期未使用的账户"),
    "accounts.recover": _("服务器恢复账户"),
    "accounts.grant_requested": _("申请授权"),
    "accounts.grant_confirmed": _("确认授权"),
    "accounts.grant_rejected": _("驳回授权"),
    "accounts.grant_withdrawn": _("撤回授权申请"),
    "accounts.login": _("登录"),
    "accounts.login_failed": _("登录失败"),
    "accounts.logout": _("退出登录"),
    "accounts.password_change": _("修改本人密码"),
    "accounts.password_reset": _("重置密码"),
    "accounts.password_issued": _("发放初始密码"),
    "accounts.otp_enrol": _("绑定动态口令"),
    "accounts.otp_reset": _("重置动态口令"),
    "accounts.otp_remove": _("取消动态口令"),
    "accounts.otp_failed": _("动态口令错误"),
    "accounts.recovery_code_used": _("使用恢复码"),
    "accounts.recovery_codes": _("重新生成恢复码"),
    "admin.add": _("系统管理新增"),
    "admin.create": _("系统管理新建"),
    "admin.change": _("系统管理修改"),
    "admin.delete": _("系统管理删除"),
    "registry.create": _("新增示范基地"),
    "registry.update": _("修改示范基地"),
    "registry.import": _("导入示范基地名单"),
    "registry.status": _("变更基地状态"),
    "monitoring.catalogue": _("加载指标目录"),
    "monitoring.create_period": _("新建报告期"),
    "monitoring.open_period": _("开放报告期"),
    "monitoring.close_period": _("关闭报告期"),
    "monitoring.value": _("填报数值"),
    "monitoring.comment": _("逐项审核意见"),
    "monitoring.evidence": _("上传佐证材料"),
    "monitoring.evidence_withdraw": _("撤回佐证材料"),
    "monitoring.submit": _("报送"),
    "monitoring.return": _("退回"),
    "monitoring.pass": _("审核通过"),
    "monitoring.approve": _("核准"),
    "monitoring.lock": _("锁定"),
    "monitoring.reopen": _("重新开放"),
    "monitoring.reminder": _("发送填报提醒"),
    "monitoring.demo_data": _("生成演示数据"),
    "evaluation.start": _("发起评估"),
    "dashboards.annual_report": _("生成年度报告"),
    "portal.mark_public": _("标记公开指标"),
    "portal.unmark_public": _("取消公开指标"),
    "evaluation.fail": _("评估运行失败"),
    "export": _("导出"),
    "upload.accepted": _("上传文件"),
    "upload.rejected": _("上传文件被拒绝"),
    "audit.prune": _("清理过期审计日志"),
}


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))
