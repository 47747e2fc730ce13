from django.contrib import admin

from .admin_access import PolicyAdmin, put_foreign_admins_on_the_policy
from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(PolicyAdmin):
    list_display = ("seq", "at", "actor_name", "action", "object_repr", "field", "reason")
    list_filter = ("action",)
    search_fields = ("object_repr", "actor_name", "reason")
    read_only = True  # the audit log is append-only, whoever asks; its rows are `AuditEvent`'s scope


# The admin modules of the packages installed before this app (axes, the task queue) are loaded by now.
put_foreign_admins_on_the_policy(admin.site)
