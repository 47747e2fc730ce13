"""What the audit log needs from plans: the English of the reasons this app writes. Registered from
`PlansConfig.ready()`."""

from __future__ import annotations


def register() -> None:
    """Nothing to register yet beyond the field names the models give."""
