"""Seed themes a group names before a run: parsing and checking them (moved out of services.py)."""
from __future__ import annotations

import json

from themes.services import MAX_SEEDS, SeedError

def parse_seed_text(text: str) -> list[dict]:
    """Parse a JSON list of {"name", "description"}; errors name the line."""
    text = text.lstrip("\ufeff")
    decoder = json.JSONDecoder()

    def line_at(pos: int) -> int:
        return text.count("\n", 0, pos) + 1

    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SeedError(f"Line {exc.lineno}: this is not valid JSON ({exc.msg}).") from None
    if not isinstance(data, list):
        raise SeedError("Line 1: the seed file must be a JSON list, like [{\"name\": …, \"description\": …}].")
    # Find where each item starts, so a problem in item k names its line.
    starts, pos = [], text.index("[") + 1
    for _ in data:
        while text[pos] in " \t\r\n,":
            pos += 1
        starts.append(pos)
        _, pos = decoder.raw_decode(text, pos)
    return validate_seeds(data, lines=[line_at(p) for p in starts])


def validate_seeds(items, lines=None) -> list[dict]:
    """Check seed items; returns clean [{name, description}]."""
    seeds, names = [], set()
    for index, item in enumerate(items):
        where = f"Line {lines[index]}" if lines else f"Seed {index + 1}"
        if not isinstance(item, dict):
            raise SeedError(f"{where}: each seed must be an object with a \"name\" and a \"description\".")
        name = str(item.get("name") or "").strip()
        description = str(item.get("description") or "").strip()
        unknown = set(item) - {"name", "description"}
        if unknown:
            raise SeedError(f"{where}: unknown field {sorted(unknown)[0]!r}; use \"name\" and \"description\".")
        if not name:
            raise SeedError(f"{where}: the seed has no name.")
        if len(name) > 200 or len(description) > 1000:
            raise SeedError(f"{where}: the name or description is too long.")
        if name.lower() in names:
            raise SeedError(f"{where}: the name {name!r} is used twice.")
        names.add(name.lower())
        seeds.append({"name": name, "description": description})
    if len(seeds) > MAX_SEEDS:
        raise SeedError(f"At most {MAX_SEEDS} seed themes, please.")
    return seeds
