"""Units of measure in the reader's language.

The catalogue gives each indicator's unit as Chinese statistical forms write it (人, 家, 千元). Units are a
small closed vocabulary shared by every indicator, so their English lives here, with the other words the
app translates, rather than as a column of the versioned catalogue: a new definition of an indicator never
needs a new English unit, and adding a unit to the catalogue is one line here (a test checks that every
unit in the shipped catalogue has one). A unit not listed is shown as entered.
"""

from __future__ import annotations

from django.utils.translation import pgettext_lazy

UNIT_WORDS = {
    "人": pgettext_lazy("unit", "人"),
    "家": pgettext_lazy("unit", "家"),
    "个": pgettext_lazy("unit", "个"),
    "项": pgettext_lazy("unit", "项"),
    "件": pgettext_lazy("unit", "件"),
    "户": pgettext_lazy("unit", "户"),
    "场": pgettext_lazy("unit", "场"),
    "千元": pgettext_lazy("unit", "千元"),
    "万元": pgettext_lazy("unit", "万元"),
    "元": pgettext_lazy("unit", "元"),
    "人/个": pgettext_lazy("unit", "人/个"),
    "%": pgettext_lazy("unit", "%"),
}


def unit_label(unit: str) -> str:
    """The unit in the reader's language; files and stored records keep the catalogue's unit."""
    return str(UNIT_WORDS[unit]) if unit in UNIT_WORDS else unit


def amount_label(amount: str) -> str:
    """A number with its unit as validation messages store it (`12,000 人`), with the unit translated."""
    number, _, unit = amount.rpartition(" ")
    return f"{number} {unit_label(unit)}" if number and unit in UNIT_WORDS else amount
