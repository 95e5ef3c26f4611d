"""A redaction is anchored to the audio where it was found as well as to the text: rewording the
transcript never un-mutes that audio, only a reviewer's decision does; mute ranges carry a pad."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from extensions import db
from governance.anchors import MUTE_PAD_S
from governance.clips import mute_ranges
from governance.models import Redaction
from governance.scanning import _detect
from stories.transcript import retime_words
from tests.governance.helpers import spoken_story


def _covers(ranges, start: float, end: float) -> bool:
    return any(a <= start and b >= end for a, b in ranges)


@pytest.mark.slow
def test_retyping_a_name_away_keeps_its_audio_muted_until_a_reviewer_rejects_it(app, users, as_user, nlp):
    from governance.services import reject_redaction

    with app.app_context():
        story = spoken_story(as_user(users["reporter"]), ["My name is Marcus and I live here."])
        segment = story.segments[0]
        marcus = next(w for w in segment.words if w["text"].strip() == "Marcus")
        _detect(story, nlp=nlp)
        db.session.commit()
        (row,) = [r for r in db.session.scalars(select(Redaction).where(Redaction.story_id == story.id))
                  if r.text == "Marcus"]  # redaction spans are sealed: compared here, not in SQL
        assert (row.audio_start, row.audio_end) == (marcus["start"], marcus["end"])
        ranges = mute_ranges(story)
        assert _covers(ranges, marcus["start"] - MUTE_PAD_S + 0.001, marcus["end"] + MUTE_PAD_S - 0.001)

        # The reporter retypes the name away; the re-check no longer finds any name there.
        new_text = "My name is a person on probation and I live here."
        segment.words = retime_words(list(segment.words), new_text)
        segment.text = new_text
        story.revision += 1
        db.session.flush()
        _detect(story, nlp=nlp)
        db.session.commit()
        db.session.refresh(row)
        assert row.start_char == row.end_char and row.state == "proposed"  # audio only now
        assert _covers(mute_ranges(story), marcus["start"], marcus["end"])  # still silent

        reject_redaction(row, as_user(users["admin"]))  # only a reviewer's decision un-mutes it
        assert not _covers(mute_ranges(story), marcus["start"], marcus["end"])
