from django.db import migrations, models


def mark_enrolled(apps, schema_editor):
    """Accounts that already have a confirmed device (TOTP or recovery codes) before the flag existed."""
    User = apps.get_model("accounts", "User")
    enrolled = set()
    for label in ("otp_totp.TOTPDevice", "otp_static.StaticDevice"):
        try:
            Device = apps.get_model(label)
        except LookupError:  # that plugin's tables are not there
            continue
        enrolled.update(Device.objects.filter(confirmed=True).values_list("user_id", flat=True))
    User.objects.filter(pk__in=enrolled).update(has_second_factor=True)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_identity_controls"),
        ("otp_totp", "__first__"),
        ("otp_static", "__first__"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="has_second_factor",
            field=models.BooleanField(default=False, editable=False, verbose_name="已设置第二因素"),
        ),
        migrations.RunPython(mark_enrolled, migrations.RunPython.noop),
    ]
