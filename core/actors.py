"""How a person (or the system) is named in audit entries, timelines and exports."""
from __future__ import annotations


def actor_label(actor) -> str:
    """The actor's display name, else their email, else "system" (jobs and the CLI act for no one)."""
    return getattr(actor, "display_name", None) or getattr(actor, "email", None) or "system"
