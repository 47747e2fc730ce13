"""Every audit row has its place in the chain; on PostgreSQL a trigger refuses UPDATE and DELETE on the
table, whoever asks, except the two kinds of maintenance `core.chain` announces for its own transaction:
pruning rows older than both the cutoff it names and 180 days, and regenerating the demo's rows."""

from typing import Any

from django.db import migrations, models

APPEND_ONLY = r"""
CREATE OR REPLACE FUNCTION core_auditevent_append_only() RETURNS trigger AS $$
DECLARE
    mode text := coalesce(current_setting('shuangchuang.audit_maintenance', true), '');
BEGIN
    IF TG_OP = 'DELETE' AND mode LIKE 'prune:%' THEN
        IF OLD.at < substr(mode, 7)::timestamptz AND OLD.at < now() - interval '180 days' THEN
            RETURN OLD;
        END IF;
    ELSIF mode = 'demo-reset' THEN
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'core_auditevent is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS core_auditevent_append_only ON core_auditevent;
CREATE TRIGGER core_auditevent_append_only
    BEFORE UPDATE OR DELETE ON core_auditevent
    FOR EACH ROW EXECUTE FUNCTION core_auditevent_append_only();
"""

DROP = r"""
DROP TRIGGER IF EXISTS core_auditevent_append_only ON core_auditevent;
DROP FUNCTION IF EXISTS core_auditevent_append_only();
"""


def create_trigger(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(APPEND_ONLY, params=None)


def drop_trigger(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("core", "0003_chain_existing_rows")]

    operations = [
        migrations.AlterField(
            model_name="auditevent",
            name="seq",
            field=models.PositiveBigIntegerField(editable=False, unique=True, verbose_name="序号"),
        ),
        migrations.RunPython(create_trigger, drop_trigger),
    ]
