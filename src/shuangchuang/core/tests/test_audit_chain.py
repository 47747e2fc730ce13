"""The audit log as an assessor checks it: every row chained to the one before, `verify_audit` names the
first row changed, deleted or inserted, nothing edits or deletes a row, pruning keeps the chain whole."""

import datetime as dt
import hashlib
import io
import threading

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, connections, transaction

from shuangchuang.core import chain
from shuangchuang.core.audit import record
from shuangchuang.core.models import AppendOnly, AuditChainHead, AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def three_rows(make_user):
    user = make_user("operator", base="B3-012")
    return [
        record(user, "accounts.change", user, field="email", old=f"a{i}@x.cn", new=f"b{i}@x.cn", reason="r")
        for i in range(3)
    ]


def tamper(sql, params):
    """What someone with the database's password would do (the trigger is passed as the demo reset does,
    so that the chain, not the trigger, is what finds it)."""
    with chain.maintenance("demo-reset"), connection.cursor() as cursor:
        cursor.execute(sql, params)


def verify_output():
    out = io.StringIO()
    call_command("verify_audit", stdout=out)
    return out.getvalue()


def test_each_row_carries_the_hash_of_its_content_and_of_the_row_before(three_rows):
    first, second, third = (AuditEvent.objects.get(pk=e.pk) for e in three_rows)
    head = AuditChainHead.objects.get()

    assert [first.seq + 1, first.seq + 2] == [second.seq, third.seq]
    assert second.prev_hash == first.row_hash and third.prev_hash == second.row_hash
    assert second.row_hash == hashlib.sha256(chain.canonical(second)).hexdigest()
    assert (head.seq, head.row_hash) == (third.seq, third.row_hash)
    assert "审计日志摘要链完整" in verify_output()
    assert third.row_hash in verify_output()


def test_a_changed_row_is_named_by_verify_audit(three_rows):
    tamper("UPDATE core_auditevent SET new_value = %s WHERE id = %s", ['"evil@x.cn"', three_rows[1].pk])

    with pytest.raises(CommandError, match=f"#{three_rows[1].pk}.*内容被修改"):
        verify_output()


def test_a_deleted_row_is_named_by_the_row_after_it(three_rows):
    tamper("DELETE FROM core_auditevent WHERE id = %s", [three_rows[1].pk])

    result = chain.verify()
    assert result.broken.kind == "deleted"
    assert result.broken.event_id == three_rows[2].pk
    with pytest.raises(CommandError, match=f"#{three_rows[2].pk}.*之前缺少序号 {three_rows[1].seq} 的记录"):
        verify_output()


def test_deleting_the_last_rows_is_found_against_the_chain_head(three_rows):
    tamper("DELETE FROM core_auditevent WHERE id = %s", [three_rows[2].pk])

    with pytest.raises(CommandError, match="最后 1 条记录被删除"):
        verify_output()


def test_a_row_rewritten_with_a_fresh_hash_breaks_the_link_of_the_next(three_rows):
    forged = AuditEvent.objects.get(pk=three_rows[1].pk)
    forged.reason = "看起来正常"
    forged_hash = chain.row_hash(forged)
    tamper(
        "UPDATE core_auditevent SET reason = %s, row_hash = %s WHERE id = %s",
        [forged.reason, forged_hash, forged.pk],
    )

    result = chain.verify()
    assert (result.broken.kind, result.broken.event_id) == ("inserted", three_rows[2].pk)


def test_a_row_inserted_after_the_head_is_found(three_rows):
    last = AuditEvent.objects.get(pk=three_rows[2].pk)
    extra = AuditEvent(
        actor_name="外来",
        action="accounts.login",
        object_type="accounts.User",
        object_id="1",
        object_repr="x",
        seq=last.seq + 1,
        algorithm="sha256",
        prev_hash=last.row_hash,
    )
    extra.row_hash = chain.row_hash(extra)
    AuditEvent.objects.all()._append([extra])  # past the model, as raw SQL would

    result = chain.verify()
    assert result.broken.kind == "inserted"


def test_the_log_refuses_every_change_and_deletion_through_the_models(three_rows):
    event = AuditEvent.objects.get(pk=three_rows[0].pk)
    event.reason = "改"
    with pytest.raises(AppendOnly):
        event.save()
    with pytest.raises(AppendOnly):
        event.delete()
    with pytest.raises(AppendOnly):
        AuditEvent.objects.filter(pk=event.pk).update(reason="改")
    with pytest.raises(AppendOnly):
        AuditEvent.objects.all().delete()
    assert chain.verify().ok


def test_sm3_is_used_when_the_national_algorithm_is_asked_for(settings, make_user):
    settings.AUDIT_HASH_ALGORITHM = "sm3"
    user = make_user("operator", base="B3-012")

    event = AuditEvent.objects.get(pk=record(user, "accounts.login", user).pk)

    assert event.algorithm == "sm3"
    assert event.row_hash == hashlib.new("sm3", chain.canonical(event)).hexdigest()
    # GB/T 32905-2016, appendix A.1
    assert chain.digest("sm3", b"abc") == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    settings.AUDIT_HASH_ALGORITHM = "sha256"
    record(user, "accounts.logout", user)
    assert chain.verify().ok  # rows of both algorithms in one chain


def test_values_read_back_from_the_database_give_the_same_hash(make_user):
    user = make_user("operator", base="B3-012")
    record(
        user, "monitoring.value", user, old={"A": 1.0, "B": None}, new={"A": 1e20, "B": 0.1, "C": [1, "二"]}
    )

    assert chain.verify().ok


def test_prune_removes_only_rows_past_retention_and_the_chain_still_verifies(settings, make_user):
    settings.AUDIT_RETENTION_DAYS = 180
    chain.erase_for_demo(AuditEvent.objects.all())  # the rows of the shipped bases, written today
    with time_machine.travel(dt.datetime(2025, 1, 1, 9, tzinfo=dt.UTC)):
        user = make_user("operator", base="B3-012")
        old = [record(user, "accounts.login", user) for _ in range(3)]
    with time_machine.travel(dt.datetime(2025, 6, 1, 9, tzinfo=dt.UTC)):
        recent = record(user, "accounts.login", user)

    with time_machine.travel(dt.datetime(2025, 7, 15, 9, tzinfo=dt.UTC)):
        out = io.StringIO()
        call_command("prune_audit", stdout=out)

    assert "已清理 3 条" in out.getvalue()
    assert not AuditEvent.objects.filter(seq__lte=old[-1].seq).exists()
    assert AuditEvent.objects.filter(pk=recent.pk).exists()
    prune_row = AuditEvent.objects.get(action="audit.prune")
    assert prune_row.new_value["anchor_seq"] == AuditChainHead.objects.get().anchor_seq == old[-1].seq
    assert chain.verify().ok


def test_an_anchor_moved_by_hand_is_found(three_rows):
    tamper("DELETE FROM core_auditevent WHERE seq <= %s", [three_rows[0].seq])
    head = AuditChainHead.objects.get()
    head.anchor_seq, head.anchor_hash = three_rows[0].seq, three_rows[0].row_hash
    head.save()

    with pytest.raises(CommandError, match="没有对应的清理记录"):
        verify_output()


def test_retention_below_180_days_is_refused(settings):
    settings.AUDIT_RETENTION_DAYS = 90

    with pytest.raises(CommandError, match="至少保留 180 天"):
        call_command("prune_audit")


@pytest.mark.postgres
def test_postgresql_refuses_update_and_delete_whoever_asks(three_rows):
    if connection.vendor != "postgresql":
        pytest.skip("the trigger exists on PostgreSQL only")
    for sql in (
        "UPDATE core_auditevent SET reason = 'x' WHERE id = %s",
        "DELETE FROM core_auditevent WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as c,
        ):
            c.execute(sql, [three_rows[0].pk])
    # pruning may not remove a row younger than 180 days, even when it names a later cutoff
    with (
        pytest.raises(DatabaseError, match="append-only"),
        chain.maintenance("prune:2100-01-01T00:00:00+00:00"),
        connection.cursor() as c,
    ):
        c.execute("DELETE FROM core_auditevent WHERE id = %s", [three_rows[0].pk])
    assert chain.verify().ok


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_writers_at_once_on_postgresql_never_fork_the_chain(registry, make_user):
    if connection.vendor != "postgresql":
        pytest.skip("runs in the PostgreSQL pass of .ci/run (row locks need a real server)")
    user = make_user("operator", base="B3-012")
    barrier = threading.Barrier(2)
    errors: list[Exception] = []

    def write(n):
        try:
            for i in range(15):
                with transaction.atomic():
                    barrier.wait()  # both are inside a transaction before either takes the head
                    record(user, "accounts.login", user, reason=f"{n}-{i}")
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    rows = list(AuditEvent.objects.filter(reason__contains="-").order_by("seq"))
    assert len(rows) == 30
    assert len({row.prev_hash for row in rows}) == 30  # no two rows follow the same row
    assert chain.verify().ok


def test_settings_that_would_weaken_the_log_are_refused_by_the_system_checks(settings):
    from shuangchuang.core.checks import audit_settings

    settings.AUDIT_RETENTION_DAYS, settings.AUDIT_HASH_ALGORITHM = 30, "md5"

    assert {error.id for error in audit_settings()} == {"core.E001", "core.E003"}
