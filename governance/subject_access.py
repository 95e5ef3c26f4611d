"""Subject access: everything held about one story, as a ZIP."""
from __future__ import annotations

import importlib
import io
import json
import zipfile
from pathlib import Path

from sqlalchemy import select

from audit.services import record
from core.timeutil import utcnow
from extensions import db
from governance.records import redactions_for
from governance.safeguarding import safeguarding_export
from stories.models import Story, TranscriptVersion


def subject_access_zip(story: Story, actor=None) -> bytes:
    """Everything held about one story, as a ZIP: audio, transcripts, consent, uses, audit trail."""
    from audit.models import AuditEntry
    from governance.clips import ClipRefused, media_path
    from governance.policy import redacted_text

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        info = {
            "story": {"id": story.id, "title": story.title, "storyteller_role": story.storyteller_role,
                      "storyteller_name": story.storyteller_name,
                      "recorded_on": story.recorded_on.isoformat() if story.recorded_on else None,
                      "status": story.status, "created_at": story.created_at.isoformat(), "notes": story.notes,
                      "reporter": story.reporter.email if story.reporter else None},
            "consent": [{"id": c.id, "method": c.method, "scopes": c.scopes,
                         "recorded_at": c.recorded_at.isoformat(),
                         "expires_on": c.expires_on.isoformat() if c.expires_on else None,
                         "superseded_at": c.superseded_at.isoformat() if c.superseded_at else None,
                         "withdrawn_at": c.withdrawn_at.isoformat() if c.withdrawn_at else None,
                         "withdrawal_requested_by": c.withdrawal_requested_by,
                         "withdrawal_reason": c.withdrawal_reason, "notes": c.notes} for c in story.consents],
            "redactions": [{"start_char": r.start_char, "end_char": r.end_char, "kind": r.kind, "text": r.text,
                            "state": r.state, "source": r.source} for r in redactions_for(story)],
            "safeguarding": safeguarding_export(story),
            "used_in": usage(story),
        }
        archive.writestr("story.json", json.dumps(info, indent=2, ensure_ascii=False, default=str))
        archive.writestr("transcript.txt", story.transcript_text)
        archive.writestr("transcript_redacted.txt", redacted_text(story))
        archive.writestr("transcript_segments.json", json.dumps([s.to_dict() for s in story.segments], indent=2,
                                                                ensure_ascii=False, default=str))
        versions = db.session.scalars(select(TranscriptVersion).where(TranscriptVersion.story_id == story.id)
                                      .order_by(TranscriptVersion.number)).all()
        archive.writestr("transcript_versions.json", json.dumps(
            [{"number": v.number, "kind": v.kind, "created_at": v.created_at.isoformat(), "note": v.note,
              "segments": v.segments} for v in versions], indent=2, ensure_ascii=False, default=str))
        entries = db.session.scalars(select(AuditEntry).where(
            AuditEntry.object_type == "stories", AuditEntry.object_id == str(story.id)).order_by(AuditEntry.id)).all()
        archive.writestr("audit.json", json.dumps(
            [{"at": e.at.isoformat(), "actor": e.actor_label, "action": e.action, "summary": e.summary}
             for e in entries], indent=2, ensure_ascii=False))
        media = [("audio", story.media)] + [("consent_form", c.form_media) for c in story.consents if c.form_media]
        for label, item in media:
            if item is None:
                continue
            try:
                with media_path(item) as path:
                    name = Path(item.original_filename or path.name).name
                    archive.write(path, f"{label}/{name}")
            except (ClipRefused, FileNotFoundError, OSError) as exc:
                archive.writestr(f"{label}/MISSING.txt", f"The file could not be read: {exc}")
        archive.writestr("README.txt", (
            f"Everything Storyloom holds about story {story.id}, exported {utcnow().isoformat()}Z.\n"
            "story.json: details, consent history, redactions, safeguarding state, where it was used.\n"
            "transcript.txt: the words as typed up; transcript_redacted.txt: as shown to others.\n"
            "audit.json: every recorded action on this story.\n"))
    record("story.subject_access_exported", story, actor=actor, summary="Everything held about the story exported")
    db.session.commit()
    return buffer.getvalue()


def usage(story: Story) -> dict:
    """Where a story was used: theme runs (and what workshops report through `story_usage`)."""
    used: dict = {"theme_runs": []}
    try:
        from themes.models import Passage
    except ImportError:
        Passage = None
    if Passage is not None:
        rows = db.session.execute(select(Passage.run_id, Passage.position, Passage.theme_id)
                                  .where(Passage.story_id == story.id)).all()
        runs: dict = {}
        for run_id, position, theme_id in rows:
            runs.setdefault(run_id, []).append({"position": position, "theme_id": theme_id})
        used["theme_runs"] = [{"run_id": k, "passages": v} for k, v in sorted(runs.items())]
    for name in ("workshops.services",):
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError:
            continue
        if hasattr(module, "story_usage"):
            used["workshops"] = module.story_usage(story.id)
    return used
