"""What the audit log needs from the work records: the names of this app's actions, and the English of the
reasons it writes. Registered from `RecordsConfig.ready()`."""

from __future__ import annotations

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from shuangchuang.core.audit import ACTION_LABELS
from shuangchuang.core.audit_words import register_reason

LABELS = {
    "records.policy": _("登记支持政策"),
    "records.policy_change": _("修改支持政策"),
    "records.policy_delete": _("删除支持政策"),
    "records.problem.raise": _("提出问题"),
    "records.problem.start": _("受理问题"),
    "records.problem.resolve": _("办结问题"),
    "records.problem.escalate": _("问题上报国家"),
    "records.problem.refer": _("问题转成员单位"),
    "records.problem.confirm": _("确认问题办结"),
    "records.problem.reopen": _("问题重新办理"),
    "records.problem.reply": _("答复问题"),
    "records.problem.reminder": _("发送问题逾期提醒"),
    "records.experience.save": _("撰写改革经验"),
    "records.experience.submit": _("报送改革经验"),
    "records.experience.return": _("退回改革经验"),
    "records.experience.pass": _("审核通过改革经验"),
    "records.experience.publish": _("发布改革经验"),
    "records.experience.withdraw": _("撤回发布改革经验"),
}


def register() -> None:
    ACTION_LABELS.update(LABELS)
    register_reason(r"第(?P<n>\d+)批", lambda m, o: gettext("第 %(n)d 批") % {"n": int(m["n"])})
    register_reason(r"逾期 (?P<n>\d+) 天", lambda m, o: gettext("逾期 %(n)s 天") % {"n": m["n"]})
