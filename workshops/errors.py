"""The workshops domain's exceptions: rules broken, and edits that crossed someone else's."""
from __future__ import annotations


class WorkshopError(ValueError):
    """A request that breaks a rule; the message is meant for the person."""


class NotAllowed(PermissionError):
    """The person may not do this (deny by default: an actor without the role is refused)."""


class EditConflict(WorkshopError):
    """Someone else saved first (optimistic locking)."""


CONFLICT_MESSAGE = ("Someone else saved this action while you were editing it. Your changes are below and were "
                    "not lost; the latest saved version is shown beside them. Check both, then save again.")
