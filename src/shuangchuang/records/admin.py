from django.contrib import admin

from shuangchuang.core.admin_access import ProgramDataAdmin

from .models import ExperienceBatch


@admin.register(ExperienceBatch)
class ExperienceBatchAdmin(ProgramDataAdmin):
    """The national office names and dates the numbered batches (第N批) it publishes experiences in."""

    list_display = ("number", "title", "published_on")
