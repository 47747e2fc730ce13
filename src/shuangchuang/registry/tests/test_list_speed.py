"""The list pages' shortcuts (core/perf.py, issue 14) give what Django's own functions give."""

import pytest
from django.urls import reverse
from django.utils import translation

from shuangchuang.core.perf import cached_reverse
from shuangchuang.registry.models import Base, BaseStatus


@pytest.mark.django_db
def test_choice_labels_follow_the_readers_language(registry):
    base = Base.objects.filter(status=BaseStatus.ACTIVE).first()
    with translation.override("zh-hans"):
        chinese = base.get_status_display()
    with translation.override("en"):
        english = base.get_status_display()
    assert chinese == str(BaseStatus.ACTIVE.label) and chinese != english
    assert english.isascii()


@pytest.mark.django_db
def test_an_unknown_stored_value_is_shown_as_stored(registry):
    base = Base.objects.first()
    base.status = "no-such-status"
    assert base.get_status_display() == "no-such-status"


def test_row_links_are_the_resolvers_links():
    assert cached_reverse("site:base_detail", "XM-1") == reverse("site:base_detail", args=["XM-1"])
    assert cached_reverse("monitoring:report_detail", 42) == reverse("monitoring:report_detail", args=[42])
