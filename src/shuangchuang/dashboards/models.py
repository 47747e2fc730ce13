"""The annual report of the program: a PDF made in the background, its progress on its own row."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shuangchuang.core.policy import EVERYTHING, NOTHING, VIEW, RestrictedQuerySet, may


class AnnualReportStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("生成中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


class AnnualReportQuerySet(RestrictedQuerySet["AnnualReport"]):
    def scope(self, user: AbstractBaseUser, action: str) -> Q | None:
        """The program's annual report is read by those who may make it (the national office, the joint
        conference); nobody changes a made report."""
        if action == VIEW and may(user, "dashboards.annual_report"):
            return EVERYTHING
        return NOTHING


class AnnualReport(models.Model):
    year = models.PositiveSmallIntegerField(_("年度"))
    status = models.CharField(
        _("状态"), max_length=8, choices=AnnualReportStatus.choices, default=AnnualReportStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("进度"), default=0)
    stage = models.CharField(_("当前步骤"), max_length=100, blank=True)
    error = models.TextField(_("错误"), blank=True)
    pdf = models.BinaryField(_("PDF"), null=True, blank=True, editable=False)
    pages = models.PositiveSmallIntegerField(_("页数"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    objects = AnnualReportQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("年度报告")
        verbose_name_plural = _("年度报告")

    def __str__(self) -> str:
        return f"{self.year}年度报告 #{self.pk}"
