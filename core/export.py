"""`flask --app app export json PATH`: everything Storyloom holds, as one JSON document.

Each domain adds its part from `<domain>/export.py`, a function
`contribute(document: dict) -> None` called in the order of `app.DOMAINS`
(stories first fill `document["stories"]`; later domains add fields to those
entries or add top-level keys). The shape is described by
`docs/export.schema.json`; a test validates a real export against it.

The parts are read one after another, so a story withdrawn or erased meanwhile
(by the web process, say) could leave one part old and the next new: the
stories' text from before an erasure beside redactions already gone. A domain's
`state() -> object` says, cheaply, what of its rows would change the document;
the export is read again until every domain's state is the same after as before.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from core.modules import optional_import
from core.timeutil import utcnow


class ExportKeptChanging(RuntimeError):
    """Stories changed under the export each time it was read."""


def _domain_modules() -> list:
    from app import DOMAINS

    return [m for m in (optional_import(f"{d}.export") for d in DOMAINS if d != "core") if m is not None]


def _state() -> list:
    from extensions import db

    db.session.expire_all()  # read every row afresh: another process may have changed it
    return [module.state() for module in _domain_modules() if hasattr(module, "state")]


def build_export_document(redacted: bool = False, *, attempts: int = 3) -> dict:
    """The whole export, read again while stories change under it (see the module's docstring)."""
    for _ in range(attempts):
        before = _state()
        document = _read_document(redacted)
        if _state() == before:
            return document
    raise ExportKeptChanging("Stories kept changing while the export was being written. Nothing was written; "
                             "try again in a minute.")


def _read_document(redacted: bool) -> dict:
    document = {"format": "storyloom-export", "version": 1, "exported_at": utcnow().isoformat() + "Z", "stories": []}
    for module in _domain_modules():
        module.contribute(document)
    if redacted:
        _leave_out_unredacted(document)
    withdrawn = sum(1 for s in document["stories"] if not s.get("consent"))
    document["contents"] = {
        "unredacted_text": not redacted,
        "stories": len(document["stories"]),
        "stories_without_consent": withdrawn,
        "note": ("Redacted transcripts only; stories without consent carry no text." if redacted else
                 "Full, UNREDACTED transcripts and word-level segments of every story, including "
                 f"{withdrawn} withdrawn or without consent. Keep it as carefully as the database."),
    }
    return document


def _leave_out_unredacted(document: dict) -> None:
    """--redacted: the transcript becomes the redacted one; segments (unredacted words) go;
    stories without consent keep no text at all."""
    for story in document["stories"]:
        shown = story.get("transcript_redacted", "") if story.get("consent") else ""
        story["transcript"] = story["transcript_redacted"] = shown
        story["segments"] = []


def write_export(path: str | Path, redacted: bool = False) -> dict:
    """Write the export to `path` (atomically, readable by its owner only) and audit it; returns the document."""
    from audit.services import record
    from extensions import db

    document = build_export_document(redacted)
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(json.dumps(document, indent=2, ensure_ascii=False, default=str))
    partial.replace(target)
    os.chmod(target, 0o600)
    kind = "redacted" if redacted else "UNREDACTED"
    record("export.json", summary=f"{len(document['stories'])} stories ({kind}) to {target}", object_type="export")
    db.session.commit()
    return document
