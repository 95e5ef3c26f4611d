"""Plain words for a coded column, as a model attribute: `status_label = label_of("status", STORY_STATUSES)`."""
from __future__ import annotations


def label_of(column: str, words: dict[str, str]) -> property:
    """A read-only attribute: the plain words for the code in `column` (the code itself where it has none)."""

    def label(row) -> str:
        code = getattr(row, column)
        return words.get(code, code)

    return property(label, doc=f"The plain words for `{column}`.")


def count_of(number, one: str, many: str | None = None) -> str:
    """Jinja filter: "1 passage", "3 passages"; `many` for plurals that are not one + "s" ("stories").
    A list or other sized thing counts its items."""
    n = number if isinstance(number, int) else len(number)
    return f"{n} {one if n == 1 else (many or one + 's')}"
