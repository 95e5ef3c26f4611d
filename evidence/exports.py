"""PowerPoint and Word exports of a workshop, from the same content as the PDF pack."""
from __future__ import annotations

import re
import tempfile
from pathlib import Path

from flask import current_app

FORMATS = {"pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
           "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


class ExportError(RuntimeError):
    """The export could not be made; the message says why in plain words."""


def export_name(workshop, kind: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", workshop.title.lower()).strip("-")[:50] or "workshop"
    return f"workshop-{workshop.id}-{slug}.{kind}"


def build_export(workshop, kind: str, *, actor=None) -> bytes:
    """The PPTX (with the redacted clips embedded) or DOCX of a workshop, as bytes; audited.

    Content comes from workshops.packs.pack_content, which asks governance.policy for
    everything (workshop consent, quote consent, redacted text), exactly as the PDF pack does.
    """
    from audit.services import record
    from engines.office import render_docx, render_pptx
    from extensions import db
    from workshops.clips import redacted_clip_path
    from workshops.packs import pack_content

    if kind not in FORMATS:
        raise ExportError("Choose PowerPoint or Word.")
    content, clip_specs = pack_content(workshop)
    if not content["themes"]:
        raise ExportError("This workshop has no themes chosen yet.")
    tmp = Path(current_app.config["DATA_DIR"]) / "tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=tmp) as work:
        out = Path(work) / f"export.{kind}"
        if kind == "pptx":
            from core.sealed import write_plain
            from core.storage import storage

            clips = {}
            for name, passage in clip_specs.items():
                try:  # the clip is sealed in the media store: a plaintext copy in this scratch folder
                    write_plain(storage(), redacted_clip_path(passage), Path(work) / Path(name).name)
                    clips[name] = Path(work) / Path(name).name
                except Exception as exc:  # a clip that cannot be cut leaves its quote as words only
                    current_app.logger.warning("clip %s left out of the export: %s", name, exc)
            render_pptx(content, clips, out)
        else:
            render_docx(content, out)
        data = out.read_bytes()
    record(f"workshop.exported_{kind}", workshop, actor=actor, summary=f"Workshop {workshop.id} exported as {kind.upper()}",
           after={"stories": [s["id"] for s in content["stories"]]})
    db.session.commit()
    return data
