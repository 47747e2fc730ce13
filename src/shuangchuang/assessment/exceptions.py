"""Domain errors of the annual assessment: each carries a message for the user."""

from __future__ import annotations


class AssessmentError(Exception):
    """A refused act, with the message shown to the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotAllowed(AssessmentError):
    pass


class SheetLocked(AssessmentError):
    pass


class ConflictOfInterest(AssessmentError):
    pass


class InvalidTransition(AssessmentError):
    pass
