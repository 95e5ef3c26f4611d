"""Governance checks every new set of words: typed stories, edited transcripts, imported text files,
and (through the transcription job) recordings. Jobs run inline (TASK_QUEUE=immediate)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from extensions import db
from governance import policy, services
from governance.models import Redaction
from jobs.models import Job
from stories.models import Story
from tests.conftest import sign_in
from tests.integration.helpers import audit_count

DISCLOSURE = "Things got bad after the move. Last winter I wanted to kill myself."


def _typed(client, title: str, text: str, scopes=("analysis", "workshop", "quote")):
    data = {"title": title, "storyteller_role": "service_user", "language": "en", "text": text,
            "consent_scopes": list(scopes), "consent_method": "written"}
    response = client.post("/stories/new/text", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:400]
    return int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])


@pytest.mark.slow
def test_a_typed_disclosure_goes_to_the_safeguarding_queue_and_out_of_analysis(app, users):
    reporter, lead = app.test_client(), app.test_client()
    sign_in(reporter, users["reporter"].email)
    risky = _typed(reporter, "Hard winter", DISCLOSURE)
    calm = _typed(reporter, "A good course", "My officer helped me find a course at the college.")
    with app.app_context():
        gov = services.governance_for(risky, create=False)
        assert gov is not None and gov.scan_state == "done" and gov.safeguarding_state == "awaiting"
        assert {f.category for f in services.flags_for(db.session.get(Story, risky))} == {"self_harm"}
        assert set(db.session.scalars(policy.analysable_story_ids())) == {calm}
        assert db.session.scalar(select(Job.status).where(Job.story_id == risky, Job.kind == "governance.scan")) \
            == "succeeded"
    sign_in(lead, users["safeguarding_lead"].email)
    queue = lead.get("/safeguarding").get_data(as_text=True)
    assert "Hard winter" in queue and "A good course" not in queue


@pytest.mark.slow
def test_an_edited_transcript_is_checked_again(app, users):
    client = app.test_client()
    sign_in(client, users["reporter"].email)
    story_id = _typed(client, "The course", "My officer helped me find a course at the college.")
    with app.app_context():
        story = db.session.get(Story, story_id)
        segment_id, revision = story.segments[0].id, story.revision
        scans = audit_count("governance.scanned", story_id)
        assert not db.session.scalars(select(Redaction).where(Redaction.story_id == story_id)).all()
    edit = {"revision": revision, "segments": [{"id": segment_id, "speaker": "",
                                                "text": "Sarah Jones helped me find a course at the college in Leeds."}]}
    response = client.post(f"/stories/{story_id}/transcript", json=edit)
    assert response.status_code == 200, response.get_data(as_text=True)
    with app.app_context():
        assert audit_count("governance.scanned", story_id) == scans + 1
        found = {r.text for r in db.session.scalars(select(Redaction).where(Redaction.story_id == story_id))}
        assert "Sarah Jones" in found
        assert "Sarah" not in policy.redacted_text(db.session.get(Story, story_id))
        assert services.governance_for(story_id, create=False).scan_state == "done"


@pytest.mark.slow
def test_imported_text_files_are_checked(app, users, tmp_path):
    (tmp_path / "winter.txt").write_text(DISCLOSURE, encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["stories", "import", str(tmp_path / "winter.txt"),
                                                "--reporter", users["reporter"].email, "--consent", "analysis"])
    assert result.exit_code == 0, result.output
    story_id = int(result.output.split("\t", 1)[0])
    with app.app_context():
        gov = services.governance_for(story_id, create=False)
        assert gov.scan_state == "done" and gov.safeguarding_state == "awaiting"
        assert story_id not in set(db.session.scalars(policy.analysable_story_ids()))


@pytest.mark.slow
def test_the_transcription_job_checks_the_words_it_typed_up(app, users, tmp_path):
    """A recording: the transcription job ends with redaction detection and safeguarding flags."""
    import io

    from tests.stories.conftest import speak

    wav = speak("My case manager Sarah Jones helped me find a flat.", tmp_path / "flat.wav")
    client = app.test_client()
    sign_in(client, users["reporter"].email)
    data = {"title": "A flat", "storyteller_role": "service_user", "language": "en",
            "consent_scopes": ["analysis"], "consent_method": "signed_form",
            "audio": [(io.BytesIO(wav.read_bytes()), "flat.wav")]}
    response = client.post("/stories/new/upload", data=data, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:400]
    with app.app_context():
        story = db.session.scalars(select(Story)).one()
        job = db.session.scalars(select(Job).where(Job.kind == "stories.transcribe")).one()
        assert job.status == "succeeded" and job.progress == 100, job.error
        assert story.status == "needs_review" and story.transcript_text
        gov = services.governance_for(story, create=False)
        assert gov.scan_state == "done" and gov.scanned_revision == story.revision
        assert audit_count("governance.scanned", story.id) == 1
        assert any(r.kind == "name" for r in services.redactions_for(story)), story.transcript_text
