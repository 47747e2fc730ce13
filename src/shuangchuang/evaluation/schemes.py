"""Default evaluation schemes: one per direction and year, built from the monitoring catalogue.

Dimensions are the sections of the direction's annual form; indicators are its numeric, evaluable
indicators (polarity from the definition in force that year); weights equal within each parent. An
administrator re-weights or regroups them in the admin before a run, as schemes change from year to year.

A direction's bases are of several kinds (regions and universities in 创业就业, regions and enterprises in
融通创新 …) and each kind reports its own form. The default scheme holds the indicators that every kind of
base in the direction reports: a base is never scored on a question it is not asked, and no value is
invented for it (imputing a university's 返乡入乡创业农民工人数 from the regions would). The indicators left
out are named in the scheme's description; an administrator may still add them in the admin.
"""

from __future__ import annotations

from django.db import transaction

from shuangchuang.monitoring.catalogue import Catalogue
from shuangchuang.monitoring.models import IndicatorVersion, Polarity, ValueType
from shuangchuang.monitoring.periods import ACTIVE_STATUSES
from shuangchuang.registry.models import Base, BaseKind, Direction

from .models import (
    DEFAULT_SCHEME_DESCRIPTION,
    LEFT_OUT_NOTE,
    EvaluationScheme,
    SchemeNode,
    default_scheme_name,
)

EVALUABLE_TYPES = {ValueType.COUNT, ValueType.MONEY, ValueType.PERCENT, ValueType.RATIO}
INDEX_CODE = "INDEX"


@transaction.atomic
def ensure_default_scheme(direction: Direction, year: int) -> EvaluationScheme:
    """The direction's scheme for the year, created from the catalogue if there is none yet."""
    form, left_out = common_form(direction, year)
    description = DEFAULT_SCHEME_DESCRIPTION
    if left_out:
        names = "、".join(v.name for v in left_out)
        description += f"{LEFT_OUT_NOTE}{names}。"
    scheme, created = EvaluationScheme.objects.get_or_create(
        direction=direction,
        year=year,
        defaults={
            "name": default_scheme_name(direction, year),
            "description": description,
        },
    )
    if not created and scheme.nodes.exists():
        return scheme
    root = SchemeNode.objects.create(
        scheme=scheme, code=INDEX_CODE, name=f"{direction.name}综合指数", order=0
    )
    dimensions: dict[str, SchemeNode] = {}
    order = 1
    for version in form:
        code = version.indicator.code
        if not _evaluable(version):
            continue
        section = version.indicator.section
        if section not in dimensions:
            dimensions[section] = SchemeNode.objects.create(
                scheme=scheme, code=f"D{len(dimensions) + 1}", name=section, parent=root, order=order
            )
            order += 1
        SchemeNode.objects.create(
            scheme=scheme,
            code=code,
            name=version.name,
            parent=dimensions[section],
            indicator=version.indicator,
            polarity=-1 if version.polarity == Polarity.NEGATIVE else 1,
            order=order,
        )
        order += 1
    return scheme


def common_form(direction: Direction, year: int) -> tuple[list[IndicatorVersion], list[IndicatorVersion]]:
    """The annual form's indicators that every kind of base in the direction reports (in form order), and
    those that only some kinds report. The kinds are those of the direction's active bases (every kind
    when it has none yet)."""
    kinds = set(
        Base.objects.filter(direction=direction, status__in=ACTIVE_STATUSES).values_list("kind", flat=True)
    ) or set(BaseKind.values)
    whole = Catalogue.current().form(direction.pk, None, "annual", year)
    common = [v for v in whole if all(v.applies_to(kind) for kind in kinds)]
    return common, [v for v in whole if v not in common and _evaluable(v)]


def _evaluable(version: IndicatorVersion) -> bool:
    return version.value_type in EVALUABLE_TYPES and version.polarity != Polarity.NEUTRAL


def ensure_default_schemes(year: int) -> list[EvaluationScheme]:
    return [ensure_default_scheme(d, year) for d in Direction.objects.filter(kind=Direction.Kind.DIRECTION)]
