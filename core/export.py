"""`flask --app app export json PATH`: everything Storyloom holds, as one JSON document.

Each domain adds its part from `<domain>/export.py`, a function
`contribute(document: dict) -> None` called in the order of `app.DOMAINS`
(stories first fill `document["stories"]`; later domains add fields to those
entries or add top-level keys). The shape is described by
`docs/export.schema.json`; a test validates a real export against it.
"""
from __future__ import annotations

import json
from pathlib import Path

from core.modules import optional_import
from core.timeutil import utcnow


def build_export_document() -> dict:
    from app import DOMAINS

    document = {"format": "storyloom-export", "version": 1, "exported_at": utcnow().isoformat() + "Z", "stories": []}
    for domain in (d for d in DOMAINS if d != "core"):
        module = optional_import(f"{domain}.export")
        if module is not None:
            module.contribute(document)
    return document


def write_export(path: str | Path) -> dict:
    """Write the export to `path` (atomically) and audit it; returns the document."""
    from audit.services import record
    from extensions import db

    document = build_export_document()
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.write_text(json.dumps(document, indent=2, ensure_ascii=False, default=str))
    partial.replace(target)
    record("export.json", summary=f"{len(document['stories'])} stories to {target}", object_type="export")
    db.session.commit()
    return document
