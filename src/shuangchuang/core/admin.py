from django.contrib import admin

from .admin_access import PolicyAdmin
from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(PolicyAdmin):
    list_display = ("seq", "at", "actor_name", "action", "object_repr", "field", "reason")
    list_filter = ("action",)
    search_fields = ("object_repr", "actor_name", "reason")
    read_only = True  # the audit log is append-only, whoever asks; its rows are `AuditEvent`'s scope
