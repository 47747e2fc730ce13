"""Faults (issue 14, item 6) as a user meets them: the database gone during a request, the disk full during
an upload. Redis down: `core/tests/test_cache_outage.py`; a task worker killed during an evaluation run:
`evaluation/tests/` (the run is marked failed by the heartbeat sweep); the database restarted under load:
`benchmarks/faults/postgres_restart.py` (a second cluster of its own)."""

from __future__ import annotations

import errno
import os

import pytest
from conftest import sign_in
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError
from django.test import Client

from shuangchuang.accounts.models import Role
from shuangchuang.core.models import AuditEvent
from shuangchuang.monitoring.models import Evidence
from shuangchuang.monitoring.tests.factories import make_period, make_report, make_small_catalogue

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n" + b"0" * 200_000


def test_a_database_that_does_not_answer_gives_a_page_in_the_apps_layout(make_user, monkeypatch):
    client = Client(raise_request_exception=False)
    sign_in(client, make_user(Role.JOINT_MEMBER))

    def refused(self):
        raise OperationalError('connection to server at "127.0.0.1", port 5432 failed: Connection refused')

    monkeypatch.setattr("django.contrib.sessions.backends.db.SessionStore.load", refused)
    response = client.get("/bases/", HTTP_X_REQUEST_ID="drill-db-1")

    page = response.content.decode()
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "服务暂时不可用" in page and "本次操作没有保存任何内容" in page
    assert "双创示范基地监测评估平台" in page and "tabler.min.css" in page
    assert "drill-db-1" in page and "Connection refused" not in page


def test_the_database_page_follows_the_readers_language(make_user, monkeypatch):
    client = Client(raise_request_exception=False)
    client.cookies["django_language"] = "en"

    def refused(self):
        raise OperationalError("server closed the connection unexpectedly")

    sign_in(client, make_user(Role.JOINT_MEMBER))
    monkeypatch.setattr("django.contrib.sessions.backends.db.SessionStore.load", refused)
    response = client.get("/bases/")

    assert response.status_code == 503
    assert "temporarily unavailable" in response.content.decode().lower()


def test_a_full_disk_during_an_upload_saves_nothing_and_says_so(
    registry, make_user, settings, tmp_path, monkeypatch
):
    settings.MEDIA_ROOT = tmp_path
    make_small_catalogue()
    report = make_report("B3-012", make_period(2025))
    client = Client(raise_request_exception=False)
    sign_in(client, make_user(Role.OPERATOR, base="B3-012"))
    audit_rows = AuditEvent.objects.count()
    original = FileSystemStorage._save

    def disk_fills_up(self, name, content):
        # the first 64 kB reach the disk, then the device is full
        path = self.path(name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as handle:
            handle.write(content.read(65536))
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(FileSystemStorage, "_save", disk_fills_up)
    response = client.post(
        f"/monitoring/reports/{report.pk}/evidence/",
        {"section": "就业", "file": SimpleUploadedFile("就业台账.pdf", PDF, content_type="application/pdf")},
    )
    monkeypatch.setattr(FileSystemStorage, "_save", original)

    page = response.content.decode()
    assert response.status_code == 507
    assert "存储空间不足" in page and "文件没有保存" in page
    assert not Evidence.objects.filter(report=report).exists()
    # no evidence row and no "accepted" record: only the audit trail of a file that arrived and was not kept
    new_rows = AuditEvent.objects.order_by("pk")[audit_rows:]
    assert [row.action for row in new_rows] == ["upload.received"]
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []
