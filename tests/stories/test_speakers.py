"""Speakers: labels from the voices found, export roles, the reporter's questions kept out of themes."""
from __future__ import annotations

import io
import json
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select

from extensions import db
from stories.models import Story
from stories.speakers import export_role, label_segments, storyteller_runs
from tests.conftest import sign_in

QUESTION = "Can you tell me about your first appointment?"
ANSWER = ("I waited for an hour and nobody told me why. Then my officer came out and said sorry, "
          "and after that she always rang me the day before.")
QUESTION_2 = "What helped you most?"
ANSWER_2 = "Having the same case manager every week. She knew my story, so I did not have to tell it again."


def _seg(text, index):
    return {"start": 0.0, "end": 1.0, "text": text, "words": [], "speaker_index": index}


def test_two_voices_without_enrolment_the_one_who_speaks_less_is_the_reporter():
    out = label_segments([_seg("question?", 0), _seg("long answer", 1)], {0: 4.0, 1: 30.0}, None)
    assert [s["speaker"] for s in out] == ["Reporter", "Storyteller"] and "speaker_index" not in out[0]


def test_an_enrolled_reporter_is_labelled_even_when_they_talk_most_and_a_third_voice_is_numbered():
    out = label_segments([_seg("a", 0), _seg("b", 1), _seg("c", 2), _seg("d", None)], {0: 40.0, 1: 20.0, 2: 5.0}, 0)
    assert [s["speaker"] for s in out] == ["Reporter", "Storyteller", "Speaker 3", ""]


def test_a_single_voice_is_the_storyteller():
    assert label_segments([_seg("a", 0)], {0: 10.0}, None)[0]["speaker"] == "Storyteller"


def test_export_roles_never_carry_a_typed_name():
    order: dict = {}
    assert [export_role(x, order) for x in ["Reporter", "Sam Jones", "Storyteller", "Speaker 3", "Sam Jones", ""]] == \
        ["reporter", "speaker 1", "storyteller", "speaker 2", "speaker 1", None]


def test_passages_never_span_a_reporter_question():
    segments = [{"text": "one", "speaker": "Storyteller"}, {"text": "q?", "speaker": "Reporter"},
                {"text": "two", "speaker": "Storyteller"}, {"text": "three", "speaker": ""}]
    assert [[s["text"] for s in run] for run in storyteller_runs(segments)] == [["one"], ["two", "three"]]


def _voice(text: str, voice: str, dest: Path) -> Path:
    subprocess.run(["espeak-ng", "-v", voice, "-s", "155", "-w", str(dest), text], check=True)
    return dest


def _interview(folder: Path) -> Path:
    parts = [_voice(text, voice, folder / f"{i}.wav") for i, (text, voice) in enumerate(
        [(QUESTION, "en-gb"), (ANSWER, "en-us+f3"), (QUESTION_2, "en-gb"), (ANSWER_2, "en-us+f3")])]
    out = folder / "interview.wav"
    subprocess.run(["sox", "-q", "-R", *[str(p) for p in parts], "-r", "16000", str(out), "pad", "0.3", "0.5"], check=True)
    return out


@pytest.mark.slow
def test_a_two_voice_interview_comes_back_with_reporter_and_storyteller(app, users, tmp_path):
    client = app.test_client()
    sign_in(client, users["reporter"].email)
    path = _interview(tmp_path)
    response = client.post("/stories/new/upload", content_type="multipart/form-data", data={
        "title": "First appointment", "storyteller_role": "service_user", "language": "en",
        "consent_scopes": ["analysis", "workshop"], "consent_method": "signed_form",
        "audio": [(io.BytesIO(path.read_bytes()), "interview.wav")]})
    assert response.status_code == 302, response.get_data(as_text=True)[:1500]
    with app.app_context():
        story = db.session.scalars(select(Story)).one()
        labelled = [(s.speaker, s.text) for s in story.segments]
        assert {label for label, _ in labelled} == {"Reporter", "Storyteller"}, labelled
        reporter_text = " ".join(t for label, t in labelled if label == "Reporter").lower()
        storyteller_text = " ".join(t for label, t in labelled if label == "Storyteller").lower()
        assert "appointment" in reporter_text and "helped" in reporter_text
        assert "waited" in storyteller_text and "case manager" in storyteller_text
        assert "waited" not in reporter_text
        from stories.export import story_entry

        assert {s["speaker"] for s in story_entry(story)["segments"]} == {"reporter", "storyteller"}
        from themes.tasks import _collect_passages

        passages = " ".join(p["text"] for p in _collect_passages([story.id])).lower()
        assert "waited" in passages and "first appointment" not in passages and "helped you" not in passages
    page = client.get(f"/stories/{story.id}").get_data(as_text=True)
    assert "Reporter" in page and "Storyteller" in page


def test_a_quote_cannot_take_in_the_reporters_question(app, users):
    from accounts.models import User
    from stories.models import Segment
    from tests import factories
    from themes import quotes

    with app.app_context():
        story = factories.make_story(db.session.get(User, users["reporter"].id), text=None)
        lines = [("Reporter", "What helped you most?", 0.0), ("Storyteller", "Having the same officer every week", 2.0)]
        for position, (speaker, text, t0) in enumerate(lines):
            words = [{"start": t0 + 0.3 * i, "end": t0 + 0.3 * i + 0.25, "text": " " + w, "probability": 0.9}
                     for i, w in enumerate(text.split())]
            story.segments.append(Segment(position=position, start=t0, end=words[-1]["end"], text=text,
                                          speaker=speaker, words=words))
        db.session.commit()
        facilitator = db.session.get(User, users["facilitator"].id)
        with pytest.raises(quotes.QuoteError, match="reporter"):
            quotes.create_quote(story, 0.0, 3.0, actor=facilitator)
        quote = quotes.create_quote(story, 2.0, 3.0, actor=facilitator)
        assert quotes.show(quote)["text"].startswith("Having the same")
        with pytest.raises(quotes.QuoteError, match="reporter"):
            quotes.trim_quote(quote, 0.5, 3.0, actor=facilitator)


def test_the_qdpx_carries_speakers_as_cases_and_stays_valid(tmp_path):
    import zipfile
    from xml.etree import ElementTree as ET

    from engines.qdpx import NS, build_qdpx, validate_qdpx
    from stories.speakers import speaker_turns

    segments = [{"text": "What helped?", "speaker": "Reporter"}, {"text": "The same officer.", "speaker": "Storyteller"},
                {"text": " Every week.", "speaker": "Storyteller"}, {"text": "Thanks.", "speaker": "Jo"}]
    text = "\n".join(s["text"].strip() for s in segments)
    turns = speaker_turns(7, segments)
    assert [(t["speaker"], text[t["start"]:t["end"]]) for t in turns] == [
        ("reporter", "What helped?"), ("storyteller", "The same officer.\nEvery week."), ("speaker 1", "Thanks.")]
    path = build_qdpx({"name": "t", "themes": [{"id": 1, "label": "Trust"}], "stories": [{"id": "7", "title": "S", "role": "staff", "text": text}],
                       "segments": [], "speaker_turns": turns}, tmp_path / "p.qdpx")
    assert validate_qdpx(path) == []
    root = ET.fromstring(zipfile.ZipFile(path).read("project.qde"))
    cases = root.findall(f"{{{NS}}}Cases/{{{NS}}}Case")
    assert sorted(c.get("name") for c in cases) == ["Reporter", "Speaker 1", "Storyteller"]
    assert all(len(c.findall(f"{{{NS}}}SelectionRef")) == 1 for c in cases)
