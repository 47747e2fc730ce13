"""Units in the reader's language: the catalogue writes them as Chinese forms do (人, 家, 千元); pages in
English name them in English, files and stored records keep them as the catalogue has them."""

import csv

from django.utils import translation

from shuangchuang.monitoring.catalogue import DATA_DIR
from shuangchuang.monitoring.units import UNIT_WORDS, amount_label, unit_label


def test_every_unit_of_the_shipped_catalogue_has_an_english_name():
    with (DATA_DIR / "indicators.csv").open(encoding="utf-8") as f:
        units = {row["unit"] for row in csv.DictReader(f)} - {""}

    with translation.override("en"):
        missing = sorted(u for u in units if u not in UNIT_WORDS or (unit_label(u) == u and u != "%"))

    assert missing == []


def test_units_follow_the_language():
    with translation.override("en"):
        assert [unit_label(u) for u in ("人", "千元", "件", "%")] == [
            "persons",
            "thousand yuan",
            "items",
            "%",
        ]
        assert unit_label("吨") == "吨"  # a unit added later is shown as entered
        assert amount_label("12,000 人") == "12,000 persons"
    with translation.override("zh-hans"):
        assert unit_label("千元") == "千元"
        assert amount_label("12,000 人") == "12,000 人"
