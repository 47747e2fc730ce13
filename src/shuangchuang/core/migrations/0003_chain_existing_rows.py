"""Chain the rows written before the hash chain existed, in the order they were written (by id), and
start the chain head after them."""

from typing import Any

from django.db import migrations

from shuangchuang.core import chain


def chain_existing_rows(apps: Any, schema_editor: Any) -> None:
    AuditEvent = apps.get_model("core", "AuditEvent")
    AuditChainHead = apps.get_model("core", "AuditChainHead")
    head, _ = AuditChainHead.objects.get_or_create(pk=1)
    name = chain.algorithm()
    pending = []
    for event in AuditEvent.objects.filter(seq__isnull=True).order_by("pk").iterator(chunk_size=2000):
        head.seq += 1
        event.seq, event.algorithm, event.prev_hash = head.seq, name, head.row_hash
        event.row_hash = head.row_hash = chain.row_hash(event)
        pending.append(event)
        if len(pending) >= 2000:
            AuditEvent.objects.bulk_update(pending, ["seq", "algorithm", "prev_hash", "row_hash"])
            pending = []
    AuditEvent.objects.bulk_update(pending, ["seq", "algorithm", "prev_hash", "row_hash"])
    head.save()


class Migration(migrations.Migration):
    dependencies = [("core", "0002_audit_chain")]

    operations = [migrations.RunPython(chain_existing_rows, migrations.RunPython.noop)]
