"""A base page in the reader's language: batch, location, source notes; what was entered stays as entered."""

import csv

import pytest
from django.utils import translation

from shuangchuang.registry.models import Base, source_notes_en

DATA = Base._meta.apps.get_app_config("registry").path + "/data"


def test_every_source_note_of_the_third_batch_has_its_english():
    with open(f"{DATA}/bases_batch3.csv", encoding="utf-8") as f:
        notes = {row["source"] for row in csv.DictReader(f)} - {""}

    assert sorted(notes - set(source_notes_en())) == []


@pytest.mark.django_db
def test_the_base_page_shows_the_note_in_english_and_marks_one_without(registry, make_user, client_for):
    client = client_for(make_user("national_admin"))
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    Base.objects.filter(code="B3-001").update(source_note="新写的说明")

    xiamen = client.get("/bases/B3-023/").content.decode()
    new_note = client.get("/bases/B3-001/").content.decode()

    assert "University directly under the Ministry of Education, in Xiamen, Fujian" in xiamen
    assert '<span lang="zh-Hans">新写的说明</span>' in new_note
    assert "(this source note is only in Chinese)" in new_note
    with translation.override("zh-hans"):
        assert Base.objects.get(code="B3-023").source_note.startswith("教育部直属高校")


@pytest.mark.django_db
def test_batch_and_location_follow_the_language_and_the_city_stays_as_entered(
    registry, make_user, client_for
):
    client = client_for(make_user("national_admin"))

    chinese = client.get("/bases/B3-023/").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    english = client.get("/bases/B3-023/").content.decode()

    assert "福建省（350000）厦门市" in chinese and "第三批（国办发〔2020〕51号）" in chinese
    assert "Fujian (350000), 厦门市" in english and "Batch 3 (2020) (Guobanfa [2020] No. 51)" in english
    assert "第三批" not in english and "福建省" not in english
