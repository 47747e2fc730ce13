"""A report's state changes are recorded once, in the audit log. `services.transition` (and the demo
generator) wrote each move twice, as a ReportTransition and as an audit row; before the table goes, any
transition without its audit row (none is expected) is copied into the audit log, so no record is lost."""

from django.db import migrations


def keep_every_state_change(apps, schema_editor):
    ReportTransition = apps.get_model("monitoring", "ReportTransition")
    AuditEvent = apps.get_model("core", "AuditEvent")
    recorded = {
        (e.object_id, e.action, str(e.old_value), str(e.new_value), e.at.replace(microsecond=0))
        for e in AuditEvent.objects.filter(object_type="monitoring.Report", field="state").only(
            "object_id", "action", "old_value", "new_value", "at"
        )
    }
    recorded_loose = {(*key[:4], key[4].replace(second=0)) for key in recorded}
    missing = []
    for t in ReportTransition.objects.select_related("actor", "report__base", "report__period"):
        key = (
            str(t.report_id),
            f"monitoring.{t.action}",
            t.from_state,
            t.to_state,
            t.at.replace(microsecond=0),
        )
        if key in recorded or (*key[:4], key[4].replace(second=0)) in recorded_loose:
            continue
        actor = t.actor
        name = ((actor.last_name + actor.first_name) or actor.username) if actor else "系统"
        missing.append(
            AuditEvent(
                at=t.at,
                actor=actor,
                actor_name=name,
                action=f"monitoring.{t.action}",
                object_type="monitoring.Report",
                object_id=str(t.report_id),
                object_repr=f"{t.report.base.short_name} · {t.report.period_id}"[:200],
                field="state",
                old_value=t.from_state,
                new_value=t.to_state,
                reason=t.reason,
            )
        )
    AuditEvent._meta.get_field("at").auto_now_add = False  # the historical model of this migration only
    AuditEvent.objects.bulk_create(missing, batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("monitoring", "0005_indicatorversion_kinds"),
    ]

    operations = [
        migrations.RunPython(keep_every_state_change, migrations.RunPython.noop),
        migrations.DeleteModel(name="ReportTransition"),
    ]
