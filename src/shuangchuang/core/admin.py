from django.contrib import admin

from .admin_access import ProgramDataAdmin
from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(ProgramDataAdmin):
    list_display = ("at", "actor_name", "action", "object_repr", "field", "reason")
    list_filter = ("action",)
    search_fields = ("object_repr", "actor_name", "reason")

    # The audit log is append-only, whoever asks.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
