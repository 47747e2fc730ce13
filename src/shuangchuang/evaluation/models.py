"""Evaluation schemes (评估方案), runs and their stored results.

The numbers come from the framework-free engine (`shuangchuang.evaluation.engine`); this app loads
approved monitoring data into it, stores what it returns and shows it.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language, gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from shuangchuang.core.policy import (
    EVERYTHING,
    NOTHING,
    VIEW,
    ProgramDataQuerySet,
    RestrictedQuerySet,
    scope_of,
    scope_through,
)
from shuangchuang.monitoring.models import Indicator
from shuangchuang.registry.models import Base, Direction


class ImputeChoice(models.TextChoices):
    NONE = "none", _("不处理（缺失项不计）")
    MEAN = "mean", _("方向均值")
    MEDIAN = "median", _("方向中位数")
    GROUP_MEAN = "group-mean", _("同类均值")
    GROUP_MEDIAN = "group-median", _("同类中位数")


class TreatChoice(models.TextChoices):
    COINR = "coinr", _("缩尾或对数变换（COINr 默认规则）")
    NONE = "none", _("不处理")


class NormaliseChoice(models.TextChoices):
    MINMAX = "minmax", _("极差标准化（0–100）")
    ZSCORE = "zscore", _("Z 分数标准化")
    RANK = "rank", _("排序标准化")
    TARGET = "target", _("目标值距离")


class WeightingChoice(models.TextChoices):
    GIVEN = "given", _("专家赋权（方案中的权重）")
    EQUAL = "equal", _("等权")
    ENTROPY = "entropy", _("熵权法")


class AggregateChoice(models.TextChoices):
    ARITHMETIC = "arithmetic", _("加权算术平均")
    GEOMETRIC = "geometric", _("加权几何平均")
    TOPSIS = "topsis", _("TOPSIS 逼近理想解")


class PeerGrouping(models.TextChoices):
    NONE = "none", _("不分组")
    KIND = "kind", _("按基地类型（区域 / 高校和科研院所 / 企业）")


def default_scheme_name(direction: Direction, year: int) -> str:
    """The name a default scheme is given (Chinese, as stored)."""
    return f"{year}年度{direction.name}方向绩效评估方案"


DEFAULT_SCHEME_DESCRIPTION = gettext_noop("默认方案：维度为年报分组，维度内等权；同类分组内另行排名。")
# followed by the names (data, as in the catalogue) of the indicators a default scheme leaves out
LEFT_OUT_NOTE = gettext_noop("只含本方向各类基地都填报的指标；未纳入仅部分类型基地填报的：")


class EvaluationScheme(models.Model):
    """One direction's method for one evaluation cycle: indicators grouped into dimensions, weights, methods."""

    name = models.CharField(_("方案名称"), max_length=100)
    direction = models.ForeignKey(
        Direction, verbose_name=_("功能方向"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("评估年度"), help_text=_("使用该年度年报中已核准的数据"))
    impute = models.CharField(
        _("缺失值处理"), max_length=16, choices=ImputeChoice.choices, default=ImputeChoice.GROUP_MEDIAN
    )
    treat = models.CharField(
        _("异常值处理"), max_length=8, choices=TreatChoice.choices, default=TreatChoice.COINR
    )
    normalise = models.CharField(
        _("标准化方法"), max_length=8, choices=NormaliseChoice.choices, default=NormaliseChoice.MINMAX
    )
    weighting = models.CharField(
        _("权重方法"), max_length=8, choices=WeightingChoice.choices, default=WeightingChoice.GIVEN
    )
    aggregate = models.CharField(
        _("合成方法"), max_length=12, choices=AggregateChoice.choices, default=AggregateChoice.ARITHMETIC
    )
    min_availability = models.FloatField(_("最低数据完整率"), default=0.5)
    peer_grouping = models.CharField(
        _("同类分组"), max_length=8, choices=PeerGrouping.choices, default=PeerGrouping.KIND
    )
    uncertainty_replications = models.PositiveIntegerField(_("不确定性分析次数"), default=1000)
    weight_noise = models.FloatField(_("权重扰动幅度"), default=0.25)
    description = models.TextField(_("说明"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    # A scheme is the program's method, read by every program reader and changed by the national office.
    objects = ProgramDataQuerySet["EvaluationScheme"].as_manager()

    class Meta:
        ordering = ["-year", "direction__order"]
        verbose_name = _("评估方案")
        verbose_name_plural = _("评估方案")
        constraints = [
            models.UniqueConstraint(fields=["direction", "year"], name="one_scheme_per_direction_year")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def label(self) -> str:
        """The name in the reader's language: a default scheme's name is the app's and is translated; a
        name an administrator gave is shown as given."""
        if get_language() == "en" and self.name == default_scheme_name(self.direction, self.year):
            return gettext("%(year)d年度%(direction)s方向绩效评估方案") % {
                "year": self.year,
                "direction": self.direction.label,
            }
        return self.name

    @property
    def description_label(self) -> str:
        """The default description in the reader's language (left-out indicator names stay as named)."""
        if get_language() != "en" or not self.description.startswith(DEFAULT_SCHEME_DESCRIPTION):
            return self.description
        rest = self.description.removeprefix(DEFAULT_SCHEME_DESCRIPTION)
        if rest.startswith(LEFT_OUT_NOTE):
            from shuangchuang.monitoring.models import IndicatorVersion

            names = rest.removeprefix(LEFT_OUT_NOTE).rstrip("。").split("、")
            english = dict(
                IndicatorVersion.objects.filter(name__in=names)
                .exclude(name_en="")
                .values_list("name", "name_en")
            )
            rest = gettext(LEFT_OUT_NOTE) + "; ".join(english.get(n, n) for n in names) + "."
        return gettext(DEFAULT_SCHEME_DESCRIPTION) + (" " + rest if rest else "")

    def settings_dict(self) -> dict[str, object]:
        return {
            "impute": self.impute,
            "treat": self.treat,
            "normalise": self.normalise,
            "weighting": self.weighting,
            "aggregate": self.aggregate,
            "min_availability": self.min_availability,
            "peer_grouping": self.peer_grouping,
            "uncertainty_replications": self.uncertainty_replications,
            "weight_noise": self.weight_noise,
        }


class SchemeNodeQuerySet(RestrictedQuerySet[Any]):
    def scope(self, user: AbstractBaseUser, action: str) -> Q | None:
        return scope_through(EvaluationScheme, "scheme", user, action)


class SchemeNode(models.Model):
    """A dimension (with a parent, no indicator) or an indicator (leaf) of a scheme; the root is the index."""

    scheme = models.ForeignKey(EvaluationScheme, on_delete=models.CASCADE, related_name="nodes")
    code = models.CharField(_("代码"), max_length=40)
    name = models.CharField(_("名称"), max_length=80)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="children",
    )
    indicator = models.ForeignKey(
        Indicator,
        verbose_name=_("监测指标"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    weight = models.FloatField(_("权重"), default=1.0)
    polarity = models.SmallIntegerField(_("极性"), default=1, help_text=_("1 越大越好，-1 越小越好"))
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    objects = SchemeNodeQuerySet.as_manager()

    class Meta:
        ordering = ["scheme", "order", "pk"]
        verbose_name = _("方案节点")
        verbose_name_plural = _("方案节点")
        constraints = [models.UniqueConstraint(fields=["scheme", "code"], name="unique_node_code_in_scheme")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("计算中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


class EvaluationRunQuerySet(RestrictedQuerySet["EvaluationRun"]):
    def scope(self, user: AbstractBaseUser, action: str) -> Q | None:
        """`VIEW`: every run for users who see every base; for the others, the runs with one of their bases
        in them (a base of 创业就业 has nothing to look at in the ranking of 全球化创业). `CHANGE` (start,
        or delete in the admin): the national office, as for schemes."""
        if action != VIEW:
            return scope_of(EvaluationScheme, user, action)
        bases = scope_of(Base, user, VIEW)
        if bases is NOTHING or bases == EVERYTHING:
            return bases
        return Q(pk__in=RunResult.objects.restrict(user).values("run_id"))


class EvaluationRun(models.Model):
    scheme = models.ForeignKey(
        EvaluationScheme, verbose_name=_("评估方案"), on_delete=models.PROTECT, related_name="runs"
    )
    status = models.CharField(_("状态"), max_length=8, choices=RunStatus.choices, default=RunStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(_("进度"), default=0)
    stage = models.CharField(_("当前步骤"), max_length=100, blank=True)
    error = models.TextField(_("错误"), blank=True)
    fingerprint = models.CharField(_("输入指纹"), max_length=64, blank=True, db_index=True)
    seed = models.PositiveBigIntegerField(_("随机种子"), null=True, blank=True)
    settings_snapshot = models.JSONField(_("方案设置"), default=dict)
    diagnostics = models.JSONField(_("诊断信息"), default=dict)
    sensitivity = models.JSONField(_("敏感性分析"), default=list)
    unit_count = models.PositiveIntegerField(_("参评基地数"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    # The worker computing the run writes `heartbeat_at` every few seconds (`heartbeat.py`); a running run
    # whose heartbeat is older than `EVALUATION_RUN_STALE_SECONDS` lost its worker and is marked failed
    # (`services.sweep_stale_runs`: on the run's page, by every live worker, by `manage.py sweep_runs`).
    heartbeat_at = models.DateTimeField(_("最近心跳"), null=True, blank=True)
    worker = models.CharField(_("任务执行器"), max_length=100, blank=True)

    objects = EvaluationRunQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("评估运行")
        verbose_name_plural = _("评估运行")

    def __str__(self) -> str:
        return f"{self.scheme} #{self.pk}"


class RunResultQuerySet(RestrictedQuerySet["RunResult"]):
    def scope(self, user: AbstractBaseUser, action: str) -> Q | None:
        """A base's result is seen where the base is; only the run's computation writes results."""
        return scope_through(Base, "base", user, VIEW) if action == VIEW else NOTHING


class RunResult(models.Model):
    run = models.ForeignKey(EvaluationRun, on_delete=models.CASCADE, related_name="results")
    base = models.ForeignKey(Base, on_delete=models.PROTECT, related_name="evaluation_results")
    included = models.BooleanField(_("参与排名"), default=True)
    excluded_reason = models.CharField(_("未参评原因"), max_length=200, blank=True)
    peer_group = models.CharField(_("同类分组"), max_length=40, blank=True)
    score = models.FloatField(_("综合得分"), null=True)
    rank = models.PositiveIntegerField(_("方向内排名"), null=True)
    peer_rank = models.PositiveIntegerField(_("同类排名"), null=True)
    median_rank = models.FloatField(_("排名中位数"), null=True)
    rank_p05 = models.FloatField(_("排名区间下限（5%）"), null=True)
    rank_p95 = models.FloatField(_("排名区间上限（95%）"), null=True)
    scores = models.JSONField(_("各层得分"), default=dict)
    contributions = models.JSONField(_("指标贡献"), default=dict)
    strengths = models.JSONField(_("优势指标"), default=list)
    weaknesses = models.JSONField(_("短板指标"), default=list)
    what_if = models.JSONField(_("若达到中位数"), default=dict)

    objects = RunResultQuerySet.as_manager()

    # Set by the ranking page for its rank-interval bar (positions in %), never stored.
    bar_left: float
    bar_width: float
    dot: float | None

    class Meta:
        ordering = ["run", "rank", "base__seq"]
        verbose_name = _("评估结果")
        verbose_name_plural = _("评估结果")
        constraints = [models.UniqueConstraint(fields=["run", "base"], name="one_result_per_base_per_run")]

    def __str__(self) -> str:
        return f"{self.base} {self.score}"


class WorkerHeartbeatQuerySet(RestrictedQuerySet["WorkerHeartbeat"]):
    def scope(self, user: AbstractBaseUser, action: str) -> Q | None:
        """The workers' own bookkeeping: no user reads or changes it; the readiness check and the run page
        ask `selectors.worker_alive()`."""
        return NOTHING


class WorkerHeartbeat(models.Model):
    """A task worker (`manage.py db_worker`) that is alive writes `beat_at` every few seconds, busy or idle."""

    name = models.CharField(_("任务执行器"), max_length=100, unique=True)  # host:pid
    started_at = models.DateTimeField(_("启动时间"))
    beat_at = models.DateTimeField(_("最近心跳"), db_index=True)
    stopped_at = models.DateTimeField(_("停止时间"), null=True, blank=True)

    objects = WorkerHeartbeatQuerySet.as_manager()

    class Meta:
        ordering = ["-beat_at"]
        verbose_name = _("任务执行器心跳")
        verbose_name_plural = _("任务执行器心跳")

    def __str__(self) -> str:
        return self.name
