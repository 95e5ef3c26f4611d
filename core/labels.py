"""Plain words for a coded column, as a model attribute: `status_label = label_of("status", STORY_STATUSES)`."""
from __future__ import annotations


def label_of(column: str, words: dict[str, str]) -> property:
    """A read-only attribute: the plain words for the code in `column` (the code itself where it has none)."""

    def label(row) -> str:
        code = getattr(row, column)
        return words.get(code, code)

    return property(label, doc=f"The plain words for `{column}`.")
