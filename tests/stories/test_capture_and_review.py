"""A reporter adds stories, the real tiny.en model types them up, the reporter fixes and checks them."""
import io
import json
import re

import jiwer
import pytest
from sqlalchemy import select

from extensions import db
from jobs.models import Job
from stories.models import Story, TranscriptVersion
from tests.conftest import sign_in
from tests.factories import make_story, make_user
from tests.stories.conftest import SECOND, SENTENCE, upload_data

pytestmark = pytest.mark.slow


def _norm(text):
    return re.sub(r"\s+", " ", re.sub(r"[^a-z0-9' ]", " ", text.lower())).strip()


@pytest.fixture
def reporter_client(app, users):
    client = app.test_client()
    sign_in(client, users["reporter"].email)
    return client


def test_upload_transcribes_and_the_reporter_fixes_a_word_and_marks_it_checked(app, users, reporter_client, clips):
    response = reporter_client.post("/stories/new/upload", data=upload_data(clips["mp3"], title="A flat"),
                                    content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    with app.app_context():
        story = db.session.scalars(select(Story)).one()
        assert story.status == "needs_review" and story.source_filename == "flat.mp3"
        assert story.duration_s and 3 < story.duration_s < 10
        assert jiwer.wer(_norm(SECOND), _norm(story.transcript_text)) < 0.35
        job = db.session.scalars(select(Job)).one()
        assert job.status == "succeeded" and job.progress == 100 and "Typed up" in job.message
        words = [w for s in story.segments for w in s.words]
        assert words and all(w["start"] is not None for w in words)
        seg = story.segments[0]
        story_id, seg_id, revision = story.id, seg.id, story.revision
        first_word_timing = (seg.words[0]["start"], seg.words[0]["end"])
        edited = seg.text.replace(seg.words[-1]["text"].strip(".,"), "college", 1)
    page = reporter_client.get(f"/stories/{story_id}").get_data(as_text=True)
    assert "Please check the words" in page and 'class="w' in page and "/audio" in page

    # Save an edit: a version is made, unchanged words keep their timing.
    saved = reporter_client.post(f"/stories/{story_id}/transcript", json={
        "revision": revision, "segments": [{"id": seg_id, "text": edited, "speaker": "Storyteller"}]})
    assert saved.status_code == 200, saved.json
    stale = reporter_client.post(f"/stories/{story_id}/transcript", json={
        "revision": revision, "segments": [{"id": seg_id, "text": "overwrite", "speaker": ""}]})
    assert stale.status_code == 409
    with app.app_context():
        story = db.session.get(Story, story_id)
        seg = story.segments[0]
        assert "college" in seg.text and seg.speaker == "Storyteller"
        assert (seg.words[0]["start"], seg.words[0]["end"]) == first_word_timing
        changed = [w for w in seg.words if w.get("edited")]
        assert [w["text"].strip(".,") for w in changed] == ["college"] and changed[0]["start"] is not None
        kinds = [v.kind for v in db.session.scalars(select(TranscriptVersion).order_by(TranscriptVersion.number))]
        assert kinds == ["machine", "edit"]

    versions = reporter_client.get(f"/stories/{story_id}/versions").get_data(as_text=True)
    assert "<ins>" in versions and "college" in versions
    assert reporter_client.post(f"/stories/{story_id}/versions/1/restore").status_code == 302
    with app.app_context():
        assert "college" not in db.session.get(Story, story_id).transcript_text
    assert reporter_client.post(f"/stories/{story_id}/review").status_code == 302
    with app.app_context():
        story = db.session.get(Story, story_id)
        assert story.status == "ready" and story.reviewed_by_id == users["reporter"].id
        from governance.policy import analysable_story_ids

        assert story_id in db.session.scalars(analysable_story_ids()).all()


def test_the_audio_is_served_in_ranges_only_to_those_allowed(app, users, reporter_client, clips):
    reporter_client.post("/stories/new/upload", data=upload_data(clips["wav"]), content_type="multipart/form-data")
    with app.app_context():
        story_id = db.session.scalars(select(Story.id)).one()
    original = clips["wav"].read_bytes()
    whole = reporter_client.get(f"/stories/{story_id}/audio")
    assert whole.status_code == 200 and whole.data == original and whole.headers["Accept-Ranges"] == "bytes"
    part = reporter_client.get(f"/stories/{story_id}/audio", headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.data == original[100:200]
    assert part.headers["Content-Range"] == f"bytes 100-199/{len(original)}"
    tail = reporter_client.get(f"/stories/{story_id}/audio", headers={"Range": "bytes=-10"})
    assert tail.data == original[-10:]
    assert reporter_client.get(f"/stories/{story_id}/audio", headers={"Range": f"bytes={len(original)}-"}).status_code == 416

    for role, expected in (("facilitator", 404), ("admin", 200), ("safeguarding_lead", 200), ("manager", 403)):
        other = app.test_client()
        sign_in(other, users[role].email)
        assert other.get(f"/stories/{story_id}/audio").status_code == expected, role
    with app.app_context():
        stranger = make_user("reporter").email
    other = app.test_client()
    sign_in(other, stranger)
    assert other.get(f"/stories/{story_id}/audio").status_code == 404
    assert other.get(f"/stories/{story_id}").status_code == 404
    assert other.get(f"/api/v1/stories/{story_id}").status_code == 404


def test_a_facilitator_reads_it_redacted_but_only_the_reporter_marks_it_checked(app, users, clips):
    with app.app_context():
        from accounts.models import User

        reporter = db.session.get(User, users["reporter"].id)
        story_id = make_story(reporter, status="needs_review", storyteller_name="Jo Bloggs").id
    client = app.test_client()
    sign_in(client, users["facilitator"].email)
    page = client.get(f"/stories/{story_id}").get_data(as_text=True)
    assert "I waited three weeks" in page and "Jo Bloggs" not in page
    assert client.post(f"/stories/{story_id}/review").status_code == 404  # editing is the reporter's (policy)
    owner = app.test_client()
    sign_in(owner, users["reporter"].email)
    assert owner.post(f"/stories/{story_id}/review").status_code == 302
    assert "Jo Bloggs" in owner.get(f"/stories/{story_id}").get_data(as_text=True)
    listed = owner.get("/api/v1/stories").json["stories"]
    assert "Jo Bloggs" not in json.dumps(listed) and listed[0]["status"] == "ready"


def test_a_typed_story_skips_transcription(app, reporter_client):
    data = {"title": "Typed", "storyteller_role": "staff", "text": "First part.\n\nSecond part.",
            "consent_scopes": ["analysis"], "consent_method": "written", "language": "en"}
    assert reporter_client.post("/stories/new/text", data=data).status_code == 302
    txt = {"title": "From file", "storyteller_role": "staff", "language": "en", "text": "",
           "text_file": (io.BytesIO("Caf\u00e9 words here.".encode("cp1252")), "story.txt")}
    assert reporter_client.post("/stories/new/text", data=txt, content_type="multipart/form-data").status_code == 302
    with app.app_context():
        typed, from_file = db.session.scalars(select(Story).order_by(Story.id)).all()
        assert typed.status == "ready" and [s.text for s in typed.segments] == ["First part.", "Second part."]
        assert from_file.transcript_text == "Caf\u00e9 words here." and from_file.source_filename == "story.txt"
        assert from_file.consent_scopes() == []
        jobs = db.session.scalars(select(Job)).all()
        # No transcription; the governance check (names, safeguarding) ran on each typed story.
        assert sorted((j.kind, j.story_id, j.status) for j in jobs) == [
            ("governance.scan", typed.id, "succeeded"), ("governance.scan", from_file.id, "succeeded")]


def test_verbal_consent_keeps_its_clip_times(app, reporter_client, clips):
    data = upload_data(clips["wav"], consent_method="verbal", consent_clip_start="0:01", consent_clip_end="0:02.5")
    assert reporter_client.post("/stories/new/upload", data=data, content_type="multipart/form-data").status_code == 302
    with app.app_context():
        consent = db.session.scalars(select(Story)).one().current_consent
        assert (consent.method, consent.verbal_clip_start, consent.verbal_clip_end) == ("verbal", 1.0, 2.5)
    bad = upload_data(clips["wav"], consent_clip_start="2:00", consent_clip_end="1:00")
    response = reporter_client.post("/stories/new/upload", data=bad, content_type="multipart/form-data")
    assert response.status_code == 400 and "after the start" in response.get_data(as_text=True)


def test_the_list_shows_each_state_with_reason_and_retry(app, users, reporter_client):
    with app.app_context():
        from accounts.models import User

        reporter = db.session.get(User, users["reporter"].id)
        make_story(reporter, title="Broken one", status="failed", status_reason="Part of this recording is damaged.")
        make_story(reporter, title="To check", status="needs_review")
    page = reporter_client.get("/stories").get_data(as_text=True)
    assert "Part of this recording is damaged." in page and "Needs checking" in page
    assert "Check the words" in page
    only = reporter_client.get("/stories?status=failed").get_data(as_text=True)
    assert "Broken one" in only and "To check" not in only
