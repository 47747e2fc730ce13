"""Default evaluation schemes: one per direction and year, built from the monitoring catalogue.

Dimensions are the sections of the direction's annual form; indicators are its numeric, evaluable
indicators (polarity from the definition in force that year); weights equal within each parent. An
administrator re-weights or regroups them in the admin before a run, as schemes change from year to year.
"""

from __future__ import annotations

from django.db import transaction

from shuangchuang.monitoring.models import Polarity, ValueType
from shuangchuang.monitoring.validation import forms_for
from shuangchuang.registry.models import Direction

from .models import DEFAULT_SCHEME_DESCRIPTION, EvaluationScheme, SchemeNode, default_scheme_name

EVALUABLE_TYPES = {ValueType.COUNT, ValueType.MONEY, ValueType.PERCENT, ValueType.RATIO}
INDEX_CODE = "INDEX"


@transaction.atomic
def ensure_default_scheme(direction: Direction, year: int) -> EvaluationScheme:
    """The direction's scheme for the year, created from the catalogue if there is none yet."""
    scheme, created = EvaluationScheme.objects.get_or_create(
        direction=direction,
        year=year,
        defaults={
            "name": default_scheme_name(direction, year),
            "description": DEFAULT_SCHEME_DESCRIPTION,
        },
    )
    if not created and scheme.nodes.exists():
        return scheme
    form = forms_for({(direction.pk, "annual", year)})[(direction.pk, "annual", year)]
    root = SchemeNode.objects.create(
        scheme=scheme, code=INDEX_CODE, name=f"{direction.name}综合指数", order=0
    )
    dimensions: dict[str, SchemeNode] = {}
    order = 1
    for code, version in form.items():
        if version.value_type not in EVALUABLE_TYPES or version.polarity == Polarity.NEUTRAL:
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


def ensure_default_schemes(year: int) -> list[EvaluationScheme]:
    return [ensure_default_scheme(d, year) for d in Direction.objects.filter(kind=Direction.Kind.DIRECTION)]
