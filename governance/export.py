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
