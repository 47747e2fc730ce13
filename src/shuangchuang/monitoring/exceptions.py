"""Domain errors of operation monitoring. Each carries the message the user sees."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext


class MonitoringError(Exception):
    """Base class: `str(error)` is a complete sentence for the user, in the user's language."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ReportLocked(MonitoringError):
    def __init__(self, report: Any) -> None:
        super().__init__(
            gettext("%(report)s 当前状态为“%(state)s”，数据不能修改。")
            % {"report": report, "state": report.get_state_display()}
        )
        self.report = report


class InvalidTransition(MonitoringError):
    pass


class NotAllowed(MonitoringError):
    pass


class StaleReport(MonitoringError):
    """Someone else acted on the report since the user loaded it; nothing was changed."""


class ValidationFailed(MonitoringError):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("；".join(f"{code}：{msg}" for code, msg in errors.items()))
        self.errors = errors
