"""Reporter voice enrolment: a consented sample, sealed the moment it arrives, learned in the worker,
kept only as a sealed embedding, and used by diarization to label the reporter's voice "Reporter"."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select

from accounts.models import User
from extensions import db
from jobs.models import Job
from stories.models import VoiceEnrolment
from tests.conftest import sign_in
from tests.factories import make_user, tone_wav


@pytest.fixture
def queued_app(queued_app):
    """The queued app (tests/conftest.py) with the people these tests sign in as."""
    with queued_app.app_context():
        make_user("reporter", email="reporter@example.org")
        make_user("facilitator", email="facilitator@example.org")
    return queued_app


def _files_holding(root: Path, needle: bytes) -> list[str]:
    return [str(p) for p in root.rglob("*") if p.is_file() and needle in p.read_bytes()]


def test_a_sample_is_sealed_on_arrival_and_queued_to_be_learned(queued_app):
    client = queued_app.test_client()
    sign_in(client, "reporter@example.org")
    sample = tone_wav(3.0)
    refused = client.post("/voice", data=sample, headers={"Content-Type": "audio/wav"})
    assert refused.status_code == 400 and "agree" in refused.json["message"]
    saved = client.post("/voice", data=sample, headers={"Content-Type": "audio/wav", "X-Voice-Consent": "yes"})
    assert saved.status_code == 202, saved.json
    root = Path(queued_app.config["DATA_DIR"])
    assert _files_holding(root, sample[44:4000]) == []  # the sound is nowhere on disk in the clear
    with queued_app.app_context():
        row = db.session.scalars(select(VoiceEnrolment)).one()
        assert row.state == "pending" and row.sample_key.startswith("voices/") and row.embedding is None
        job = db.session.get(Job, saved.json["job"])
        assert (job.kind, job.subject_type, job.status) == ("stories.enrol_voice", "user", "queued")
    page = client.get("/voice").get_data(as_text=True)
    assert "being learned" in page


def test_only_reporters_enrol_and_an_empty_or_huge_sample_is_refused(queued_app):
    staff = queued_app.test_client()
    sign_in(staff, "facilitator@example.org")
    assert staff.post("/voice", data=tone_wav(1.0), headers={"X-Voice-Consent": "yes"}).status_code == 403
    client = queued_app.test_client()
    sign_in(client, "reporter@example.org")
    assert client.post("/voice", data=b"", headers={"X-Voice-Consent": "yes"}).status_code == 400
    assert client.post("/voice", data=b"x" * (5 * 1024 * 1024), headers={"X-Voice-Consent": "yes"}).status_code == 413
    with queued_app.app_context():
        assert db.session.scalars(select(VoiceEnrolment)).all() == []


def test_the_embedding_is_sealed_to_its_reporter(app_context, users):
    from cryptography.exceptions import InvalidTag

    from stories.voice import open_embedding, seal_embedding

    vector = [0.125, -0.5, 0.25]
    blob = seal_embedding(vector, users["reporter"].id)
    assert b"0.125" not in blob
    assert open_embedding(blob, users["reporter"].id) == vector
    with pytest.raises(InvalidTag):
        open_embedding(blob, users["reporter"].id + 1)  # moved to another reporter: unreadable


def test_forgetting_the_voice_removes_the_row_and_the_sample(queued_app):
    client = queued_app.test_client()
    sign_in(client, "reporter@example.org")
    client.post("/voice", data=tone_wav(3.0), headers={"X-Voice-Consent": "yes"})
    with queued_app.app_context():
        key = db.session.scalars(select(VoiceEnrolment)).one().sample_key
    client.post("/voice/forget")
    with queued_app.app_context():
        from core.storage import storage

        assert db.session.scalars(select(VoiceEnrolment)).all() == [] and not storage().exists(key)


def _say(text: str, voice: str, dest: Path) -> Path:
    subprocess.run(["espeak-ng", "-v", voice, "-s", "155", "-w", str(dest), text], check=True)
    return dest


@pytest.mark.slow
def test_an_enrolled_reporter_is_labelled_reporter_even_when_they_talk_most(app, users, tmp_path):
    from jobs.runner import run_job
    from stories.tasks import _enrolled_voice, _name_speakers

    reporter_says = ("Hello, I am a community reporter. I record stories about probation and housing, "
                     "and I ask people what happened and what would help them most.")
    sample = _say(reporter_says, "en-gb", tmp_path / "sample.wav")
    parts = [_say(t, v, tmp_path / f"{i}.wav") for i, (t, v) in enumerate([
        ("Thank you for meeting me today. I want to ask about your first appointment, how you got there, "
         "who you saw, and whether anyone explained what would happen next and what help was on offer.", "en-gb"),
        ("I waited three weeks.", "en-us+f3"),
        ("And after that first meeting, did the same officer see you each time, or did it keep changing, "
         "and how did that feel when you had to explain everything again from the start?", "en-gb"),
        ("It changed twice.", "en-us+f3")])]
    interview = tmp_path / "interview.wav"
    subprocess.run(["sox", "-q", "-R", *map(str, parts), "-r", "16000", str(interview), "pad", "0.3", "0.5"], check=True)
    with app.app_context():
        client = app.test_client()
        sign_in(client, users["reporter"].email)
        saved = client.post("/voice", data=sample.read_bytes(), headers={"X-Voice-Consent": "yes"})
        assert saved.status_code == 202, saved.json
        job = db.session.get(Job, saved.json["job"])
        if job.status == "queued":
            run_job(job.id)
        row = db.session.get(VoiceEnrolment, users["reporter"].id)
        assert row.state == "ready" and row.sample_key == "" and row.embedding
        vector = _enrolled_voice(users["reporter"].id)
        assert len(vector) == 256
        from engines.diarize import diarize

        found = diarize(interview)
        segments = [{"start": t.start, "end": t.end, "text": f"turn {i}", "words": []} for i, t in enumerate(found.turns)]
        labelled = _name_speakers(interview, segments, vector)
        by_label: dict[str, float] = {}
        for s in labelled:
            by_label[s["speaker"]] = by_label.get(s["speaker"], 0.0) + s["end"] - s["start"]
        assert set(by_label) == {"Reporter", "Storyteller"}, labelled
        assert by_label["Reporter"] > by_label["Storyteller"]  # without enrolment the quieter voice is the reporter
        assert db.session.get(User, users["reporter"].id) is not None
