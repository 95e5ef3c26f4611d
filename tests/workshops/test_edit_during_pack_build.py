"""Bad input: a reporter saves an edit while a workshop pack is being built. The edit is kept, the
half-built pack (made from the old words) is not published, and the pack is made again without the
story while its new words are checked; the facilitator is told why."""
from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from accounts.models import User
from audit.models import AuditEntry
from extensions import db
from stories.models import Story
from stories.transcript import save_transcript
from tests.factories import make_user
from tests.workshops.helpers import build_world, workshop_data
from workshops import packs, planning


def test_an_edit_saved_during_a_pack_build_is_kept_and_the_stale_pack_is_not_published(queued_app):
    app = queued_app
    with app.app_context():
        reporter = make_user("reporter")
        world = build_world(reporter=reporter, audio=0, text_stories=2)
        workshop = planning.create_workshop(workshop_data(world))
        edited_id = world["story_ids"][0]
        messages, edits = [], []

        def report(percent, message=""):
            messages.append(message)
            if percent >= 40 and not edits:  # the content is gathered and the zip is being written
                story = db.session.get(Story, edited_id)
                segment = story.segments[0]
                save_transcript(story, [{"id": segment.id, "text": "Sarah Jones told me where the hostel is."}],
                                story.revision, db.session.get(User, reporter.id))
                edits.append(edited_id)

        pack = packs.build_and_store_pack(workshop, report=report)
        assert edits == [edited_id]
        assert edited_id not in pack.story_ids and world["story_ids"][1] in pack.story_ids
        assert any("made it again" in m or "making it again" in m for m in messages), messages
        discarded = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "workshop.pack_discarded")).all()
        assert len(discarded) == 1
        story = db.session.get(Story, edited_id)
        assert story.segments[0].text == "Sarah Jones told me where the hostel is."  # nothing saved is lost
        from core.sealed import write_plain
        from core.storage import storage

        plain = Path(app.config["DATA_DIR"]) / "pack-plain.zip"
        write_plain(storage(), pack.path, plain)  # packs are sealed at rest
        with zipfile.ZipFile(plain) as archive:
            everything = b"".join(archive.read(n) for n in archive.namelist())
        assert b"Sarah" not in everything and b"Typed story 1" not in everything
