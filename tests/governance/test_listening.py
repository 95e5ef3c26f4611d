"""Prove it by listening: plant a name, a street and a phone number in a spoken story, let the
bundled Whisper type it up, retype the name and street away, cut the quote clip, and transcribe
the clip with Whisper again: none of the planted details may be heard."""
from __future__ import annotations

import io
import re
import time

import pytest
from sqlalchemy import select

from extensions import db
from governance.models import Redaction
from jobs.models import Job
from stories.models import Story

pytestmark = pytest.mark.slow

SPOKEN = ("My name is Marcus Reilly. I live at fourteen Harbour Street. "
          "My phone number is 0 7 7 0 0 9 0 0 1 2 3. The probation office helped me find work at the market.")
PLANTED_WORDS = {"marcus", "reilly", "riley", "harbour", "harbor", "fourteen"}
DIGITS = re.compile(r"\d|\b(zero|oh|one|two|three|four|five|six|seven|eight|nine|ten|hundred|thousand)\b", re.I)
RETYPES = ((r"Marcus\s+\w+", "a person on probation"), (r"(fourteen|14)?\s*Harbou?r\s+Street", "a town"))


def test_a_retyped_name_and_street_stay_silent_in_the_quote_clip(app, users, as_user, tmp_path):
    from engines.transcribe import get_transcriber
    from governance.clips import redacted_clip_file
    from stories.services import create_audio_story
    from stories.transcript import save_transcript
    from tests.stories.conftest import speak

    wav = speak(SPOKEN, tmp_path / "planted.wav")
    with app.app_context():
        reporter = as_user(users["reporter"])
        story = create_audio_story(io.BytesIO(wav.read_bytes()), "planted.wav",
                                   {"title": "Finding work", "storyteller_role": "service_user"},
                                   {"scopes": ["analysis", "workshop", "quote"], "method": "written"}, reporter)
        story = db.session.get(Story, story.id)
        heard_first = story.transcript_text
        rows = db.session.scalars(select(Redaction).where(Redaction.story_id == story.id)).all()
        assert {"name", "phone"} <= {r.kind for r in rows}, (heard_first, [(r.kind, r.text) for r in rows])
        # What Whisper heard for each planted detail ("Marcus Eilid", "14 Harvard Street") must not be heard again.
        planted = PLANTED_WORDS | {w.lower() for r in rows for w in re.findall(r"[A-Za-z]{3,}", r.text)} - {"street"}

        edits, retyped = [], 0
        for segment in story.segments:
            text = segment.text
            for pattern, replacement in RETYPES:
                text, n = re.subn(pattern, replacement, text, flags=re.I)
                retyped += n
            if text != segment.text:
                edits.append({"id": segment.id, "text": text})
        assert retyped >= 1, heard_first
        save_transcript(story, edits, story.revision, reporter)  # inline: align, then check

        story = db.session.get(Story, story.id)
        assert not re.search(r"marcus|harbou?r", story.transcript_text, re.I), story.transcript_text
        edited = [w for s in story.segments for w in s.words if w.get("edited")]
        assert edited and all(w["start"] is not None and w.get("aligned") for w in edited), edited
        align = db.session.scalars(select(Job).where(Job.kind == "stories.align")).one()
        assert align.status == "succeeded", align.error
        kept_by_audio = db.session.scalars(select(Redaction).where(
            Redaction.story_id == story.id, Redaction.end_char == Redaction.start_char)).all()
        assert kept_by_audio, "the retyped name's redaction kept its audio stretch"

        clip = redacted_clip_file(story, 0.0, float(story.duration_s))
        began = time.perf_counter()
        heard = " ".join(s.text for s in get_transcriber().transcribe(clip).segments)
        listen_s = time.perf_counter() - began
    print(f"\nfirst transcript: {heard_first}\nalignment job: {align.result}\nclip heard ({listen_s:.1f} s): {heard}")
    heard_words = {w.lower() for w in re.findall(r"[A-Za-z]+", heard)}
    assert not heard_words & planted, (sorted(heard_words & planted), heard)
    assert not DIGITS.search(heard), heard  # not one digit of the phone number or the house number
    assert re.search(r"probation|office|work|market", heard, re.I), heard  # the rest is still there to hear
