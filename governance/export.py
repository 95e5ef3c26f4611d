"""Per story in `export json`: redacted transcript, redactions and safeguarding state.

Schema additions (per entry of "stories"):
  transcript_redacted: string
  redactions: [{start_char: int, end_char: int, kind: string, state: "proposed"|"accepted"|"rejected"}]
  safeguarding: {state: string, scan_state: string, flags: [{category, score, segment_position}], decided_at: string|null}
"""
from extensions import db


def contribute(document: dict) -> None:
    from governance.policy import redacted_text
    from governance.services import redactions_for, safeguarding_export
    from stories.models import Story

    for entry in document.get("stories", []):
        story = db.session.get(Story, entry.get("id"))
        if story is None:
            continue
        entry["transcript_redacted"] = redacted_text(story)
        entry["redactions"] = [
            {"start_char": r.start_char, "end_char": r.end_char, "kind": r.kind, "state": r.state}
            for r in redactions_for(story)
        ]
        entry["safeguarding"] = safeguarding_export(story)


def state() -> list:
    """What of governance would change the export: redactions, checks and safeguarding states."""
    from sqlalchemy import select

    from governance.models import Redaction, StoryGovernance

    redactions = db.session.execute(select(Redaction.id, Redaction.state, Redaction.start_char, Redaction.end_char)
                                    .order_by(Redaction.id))
    checks = db.session.execute(select(StoryGovernance.story_id, StoryGovernance.scan_state,
                                       StoryGovernance.scanned_revision, StoryGovernance.safeguarding_state)
                                .order_by(StoryGovernance.story_id))
    return [list(map(tuple, redactions)), list(map(tuple, checks))]
