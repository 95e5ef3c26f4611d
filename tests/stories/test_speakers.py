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
    subprocess.run(["sox", "-q", *[str(p) for p in parts], "-r", "16000", str(out), "pad", "0.3", "0.5"], check=True)
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
