from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .audit_words import audit_rows
from .models import AuditEvent
from .policy import permission_required


@permission_required("audit.read")
def audit_log(request: HttpRequest) -> HttpResponse:
    """The auditor's read-only view of every recorded change (三员分立: the auditor edits nothing)."""
    events = AuditEvent.objects.restrict(request.user)
    if action := request.GET.get("action"):
        events = events.filter(action=action)
    if actor := request.GET.get("actor"):
        events = events.filter(actor_name__icontains=actor)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    actions = (
        AuditEvent.objects.restrict(request.user)
        .order_by("action")
        .values_list("action", flat=True)
        .distinct()
    )
    return render(
        request, "core/audit_log.html", {"page": page, "rows": audit_rows(page), "actions": actions}
    )
