"""The registry of demonstration bases: batches, directions, provinces, authorities and the bases."""

from __future__ import annotations

import csv
import functools
import re
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from shuangchuang.accounts.models import Role, as_account
from shuangchuang.core.perf import cached_reverse
from shuangchuang.core.policy import (
    CHANGE,
    EVERYTHING,
    NOTHING,
    VIEW,
    ProgramDataQuerySet,
    RestrictedQuerySet,
    may,
    scope_through,
)
from shuangchuang.core.tabular import matching_text


def normalize_text(value: str) -> str:
    """Full-width letters and digits become half-width, stray white space goes: the names and searches are
    matched as uploaded tables are (`core.tabular.matching_text`)."""
    return matching_text(value or "")


def pinyin_initials(text: str) -> str:
    """`厦门大学` → `xmdx`; non-Chinese characters are kept as lower-case letters and digits."""
    from pypinyin import Style, lazy_pinyin  # (here: its dictionaries cost every process ~0.15 s to load)

    letters = lazy_pinyin(normalize_text(text), style=Style.FIRST_LETTER, errors="default")
    return "".join(ch for ch in "".join(letters).lower() if ch.isalnum())


DOCUMENT_NUMBER = re.compile(r"国办发〔(?P<year>\d{4})〕(?P<number>\d+)号")
SOURCES_EN = Path(__file__).resolve().parent / "data" / "sources_en.csv"


@functools.cache
def source_notes_en() -> dict[str, str]:
    """The English of the curators' source notes (data/sources_en.csv), keyed by the Chinese note."""
    try:
        with SOURCES_EN.open(encoding="utf-8", newline="") as f:
            return {row["source"]: row["source_en"] for row in csv.DictReader(f) if row["source_en"]}
    except FileNotFoundError:
        return {}


class Batch(models.Model):
    number = models.PositiveSmallIntegerField(_("批次"), unique=True)
    year = models.PositiveSmallIntegerField(_("公布年份"))
    name = models.CharField(_("名称"), max_length=60)
    document = models.CharField(_("文件"), max_length=120, blank=True)
    # the version of what lists show of it (core.fragments.tables_state: the filters' options)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = ProgramDataQuerySet["Batch"].as_manager()

    class Meta:
        ordering = ["number"]
        verbose_name = _("批次")
        verbose_name_plural = _("批次")

    def __str__(self) -> str:
        return self.name

    @property
    def label(self) -> str:
        """The batch in the reader's language (第三批 → Batch 3 (2020)); `str()` stays the name as entered."""
        if get_language() == "en":
            return gettext("第 %(number)d 批（%(year)d 年）") % {"number": self.number, "year": self.year}
        return self.name

    @property
    def document_label(self) -> str:
        """The notice's number the way the reader's language writes it: 国办发〔2020〕51号, Guobanfa [2020] No. 51."""
        match = DOCUMENT_NUMBER.fullmatch(self.document)
        if match is None or get_language() != "en":
            return self.document
        return gettext("国办发〔%(year)s〕%(number)s号") % match.groupdict()

    @property
    def label_with_document(self) -> str:
        """With the notice that published it."""
        if not self.document:
            return self.label
        return gettext("%(batch)s（%(document)s）") % {"batch": self.label, "document": self.document_label}


class Direction(models.Model):
    """A functional direction (third batch) or a category (first and second batches)."""

    class Kind(models.TextChoices):
        DIRECTION = "direction", _("功能方向")
        CATEGORY = "category", _("类别")

    code = models.SlugField(_("代码"), max_length=30, unique=True)
    name = models.CharField(_("名称"), max_length=30, unique=True)
    name_en = models.CharField(_("英文名称"), max_length=60)
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices, default=Kind.DIRECTION)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    # the version of what lists show of it (core.fragments.tables_state: the filters' options)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = ProgramDataQuerySet["Direction"].as_manager()

    class Meta:
        ordering = ["order"]
        verbose_name = _("功能方向")
        verbose_name_plural = _("功能方向")

    def __str__(self) -> str:
        return self.name

    @property
    def label(self) -> str:
        """The name in the user's language, for pages (`str()` stays the Chinese name used in files)."""
        return self.name_en if self.name_en and get_language() == "en" else self.name


class Province(models.Model):
    """A province-level division, keyed by its GB/T 2260 code."""

    code = models.CharField(_("行政区划代码"), max_length=6, primary_key=True)
    name = models.CharField(_("名称"), max_length=30, unique=True)
    short_name = models.CharField(_("简称"), max_length=10, unique=True)
    name_en = models.CharField(_("英文名称"), max_length=40)
    # the version of what lists show of it (core.fragments.tables_state: the filters' options)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = ProgramDataQuerySet["Province"].as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("省级行政区")
        verbose_name_plural = _("省级行政区")

    def __str__(self) -> str:
        return self.name

    @property
    def label(self) -> str:
        """The name in the reader's language (福建省 → Fujian), for pages; `str()` stays Chinese."""
        return self.name_en if self.name_en and get_language() == "en" else self.name

    @property
    def short_label(self) -> str:
        return self.name_en if self.name_en and get_language() == "en" else self.short_name


class Authority(models.Model):
    """The body that reviews a base's reports: a provincial DRC or a central department."""

    class Kind(models.TextChoices):
        PROVINCIAL = "provincial", _("省级发展改革委")
        PLANNED_CITY = "planned_city", _("计划单列市发展改革委")
        CORPS = "corps", _("新疆生产建设兵团发展改革委")
        CENTRAL = "central", _("中央部门")

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=80, unique=True)
    short_name = models.CharField(_("简称"), max_length=40)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    province = models.ForeignKey(
        Province, verbose_name=_("所在省份"), null=True, blank=True, on_delete=models.PROTECT
    )
    note = models.TextField(_("说明"), blank=True)
    # the version of what lists show of it (core.fragments.tables_state: the filters' options)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = ProgramDataQuerySet["Authority"].as_manager()

    class Meta:
        ordering = ["kind", "province_id", "code"]
        verbose_name = _("审核单位")
        verbose_name_plural = _("审核单位")

    def __str__(self) -> str:
        return self.short_name or self.name


class BaseKind(models.TextChoices):
    REGION = "region", _("区域")
    UNIVERSITY = "university", _("高校")
    INSTITUTE = "institute", _("科研院所")
    ENTERPRISE = "enterprise", _("企业")


# Bases are compared with their peers: a district is not ranked or judged against a university or a
# central SOE. Universities and research institutes form one group, as in the first two batches.
PEER_GROUPS = {
    BaseKind.REGION: "区域",
    BaseKind.UNIVERSITY: "高校和科研院所",
    BaseKind.INSTITUTE: "高校和科研院所",
    BaseKind.ENTERPRISE: "企业",
}


class BaseStatus(models.TextChoices):
    ACTIVE = "active", _("建设中")
    COMMENDED = "commended", _("通报表扬")
    WARNED = "warned", _("警示")
    RECTIFYING = "rectifying", _("限期整改")
    WITHDRAWN = "withdrawn", _("已调整退出")


class BaseQuerySet(RestrictedQuerySet["Base"]):
    def scope(self, user: AbstractBaseUser, action: str) -> Q | None:
        """The bases `user` may see (`VIEW`) or edit as records (`CHANGE`: the national office, in the
        admin and by import); everything else behaves as if it did not exist (404). The base's reports,
        results and history reach their scope through this one."""
        account = as_account(user)
        if action == CHANGE:
            return EVERYTHING if may(account, "program.manage") else NOTHING
        if action != VIEW:
            return NOTHING
        if account.is_superuser:
            return EVERYTHING
        match account.role:
            case Role.NATIONAL_ADMIN | Role.JOINT_MEMBER | Role.AUDITOR:
                return EVERYTHING
            case Role.AUTHORITY:
                return Q(authority_id=account.authority_id) if account.authority_id else NOTHING
            case Role.OPERATOR:
                return Q(pk=account.base_id) if account.base_id else NOTHING
            case Role.EVALUATOR:
                return Q(pk__in=account.assigned_bases.values("pk"))
            case _:
                return NOTHING

    def monitored(self) -> BaseQuerySet:
        """The bases the operation monitoring of 国办发〔2020〕51号 covers: those with a functional direction.

        The first two batches have categories instead (区域 / 高校和科研院所 / 企业); the indicator catalogue,
        the forms and the evaluation schemes are built per functional direction, so those bases get no
        report requests (they are in the registry, on the map and in the exports).
        """
        return self.filter(direction__kind=Direction.Kind.DIRECTION)

    def search(self, query: str) -> BaseQuerySet:
        """Chinese substring of the official, short or current name, or pinyin initials (`xmdx`)."""
        query = normalize_text(query).lower()
        if not query:
            return self
        return self.filter(search_text__contains=query)


class Base(models.Model):
    batch = models.ForeignKey(Batch, verbose_name=_("批次"), on_delete=models.PROTECT, related_name="bases")
    seq = models.PositiveSmallIntegerField(_("名单序号"), help_text=_("在公布名单中的顺序"))
    code = models.SlugField(_("基地编号"), max_length=20, unique=True, help_text=_("例如 B3-001"))
    name = models.CharField(_("名称"), max_length=100, help_text=_("与公布文件一致的正式名称"))
    short_name = models.CharField(_("简称"), max_length=40)
    current_name = models.CharField(
        _("现用名称"), max_length=100, blank=True, help_text=_("更名后的名称；未更名时与正式名称相同")
    )
    direction = models.ForeignKey(
        Direction, verbose_name=_("功能方向"), on_delete=models.PROTECT, related_name="bases"
    )
    kind = models.CharField(_("类型"), max_length=12, choices=BaseKind.choices)
    province = models.ForeignKey(
        Province, verbose_name=_("所在省份"), on_delete=models.PROTECT, related_name="bases"
    )
    city = models.CharField(_("所在城市"), max_length=40, blank=True)
    authority = models.ForeignKey(
        Authority, verbose_name=_("审核单位"), on_delete=models.PROTECT, related_name="bases"
    )
    status = models.CharField(_("状态"), max_length=12, choices=BaseStatus.choices, default=BaseStatus.ACTIVE)
    source_note = models.TextField(_("资料来源"), blank=True)
    search_text = models.TextField(
        _("检索文本"), blank=True, editable=False, help_text=_("各名称（全角转半角）及其拼音首字母")
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = BaseQuerySet.as_manager()

    class Meta:
        ordering = ["batch__number", "direction__order", "seq"]
        verbose_name = _("示范基地")
        verbose_name_plural = _("示范基地")
        constraints = [
            models.UniqueConstraint(fields=["batch", "seq"], name="unique_seq_in_batch"),
            models.UniqueConstraint(fields=["batch", "name"], name="unique_name_in_batch"),
        ]
        indexes = [models.Index(fields=["status"]), models.Index(fields=["province", "direction"])]

    def __str__(self) -> str:
        return self.current_name

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Official names keep their full-width punctuation exactly as published; only white space goes.
        self.name = self.name.strip()
        self.short_name = self.short_name.strip()
        self.current_name = self.current_name.strip() or self.name
        names = dict.fromkeys((self.name, self.short_name, self.current_name))
        self.search_text = " | ".join(
            [normalize_text(n).lower() for n in names] + [pinyin_initials(n) for n in names]
        )
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return cached_reverse("site:base_detail", self.code)  # the page that gathers its monitoring too

    @property
    def is_monitored(self) -> bool:
        """Whether the operation monitoring covers this base (see `BaseQuerySet.monitored`)."""
        return self.direction.kind == Direction.Kind.DIRECTION

    @property
    def source_note_en(self) -> str:
        """The source note in English where the curators have given one ("" otherwise)."""
        return source_notes_en().get(self.source_note, "")

    @property
    def location_label(self) -> str:
        """Province (code) and city: 福建省（350000）厦门市, Fujian (350000), 厦门市 — the city as entered."""
        if not self.city:
            return gettext("%(province)s（%(code)s）") % {
                "province": self.province.label,
                "code": self.province.code,
            }
        return gettext("%(province)s（%(code)s）%(city)s") % {
            "province": self.province.label,
            "code": self.province.code,
            "city": self.city,
        }


class BaseHistoryQuerySet(RestrictedQuerySet[Any]):
    """A base's name and status history: seen and changed where the base is."""

    def scope(self, user: AbstractBaseUser, action: str) -> Q | None:
        return scope_through(Base, "base", user, action)


class BaseNameHistory(models.Model):
    """A name the base has carried since the notice (e.g. 横县 → 横州市, 2021)."""

    base = models.ForeignKey(Base, on_delete=models.CASCADE, related_name="name_history")
    name = models.CharField(_("名称"), max_length=100)
    valid_from = models.DateField(_("启用日期"))
    valid_to = models.DateField(_("停用日期"), null=True, blank=True)
    reason = models.CharField(_("原因"), max_length=200, blank=True)

    objects = BaseHistoryQuerySet.as_manager()

    class Meta:
        ordering = ["base", "valid_from"]
        verbose_name = _("名称变更")
        verbose_name_plural = _("名称变更")
        constraints = [models.UniqueConstraint(fields=["base", "name"], name="unique_name_per_base")]

    def __str__(self) -> str:
        return f"{self.name} ({self.valid_from:%Y-%m-%d})"


class BaseStatusHistory(models.Model):
    base = models.ForeignKey(Base, on_delete=models.CASCADE, related_name="status_history")
    status = models.CharField(_("状态"), max_length=12, choices=BaseStatus.choices)
    changed_at = models.DateTimeField(_("变更时间"))
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(_("原因"), max_length=300)

    objects = BaseHistoryQuerySet.as_manager()

    class Meta:
        ordering = ["base", "changed_at", "pk"]
        verbose_name = _("状态变更")
        verbose_name_plural = _("状态变更")

    def __str__(self) -> str:
        return f"{self.get_status_display()} @ {self.changed_at:%Y-%m-%d}"
