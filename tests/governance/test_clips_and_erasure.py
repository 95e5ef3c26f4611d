"""Redacted clips behind signed URLs; erasure leaves nothing; retention; subject access; CLI."""
import io
import time
import zipfile
from datetime import date
from pathlib import Path

import pytest
from itsdangerous import URLSafeTimedSerializer

from audit.models import AuditEntry
from extensions import db
from governance import policy, services
from stories.models import Segment, Story, TranscriptVersion
from tests import factories
from tests.conftest import sign_in
from tests.governance.helpers import spoken_story, tone_ratio

SENTENCES = ["My officer Sarah Jones moved me to Leeds.", "Now I help others."]


def _audio_story(app, users, nlp, as_user):
    with app.app_context():
        story = spoken_story(as_user(users["reporter"]), SENTENCES)
        services.scan_story(story.id, nlp=nlp)
        return story.id


@pytest.mark.slow
def test_clip_has_a_tone_over_the_name_and_urls_are_signed_and_short_lived(app, users, nlp, as_user):
    story_id = _audio_story(app, users, nlp, as_user)
    client = app.test_client()
    sign_in(client, users["facilitator"].email)
    with app.test_request_context():
        story = db.session.get(Story, story_id)
        segment = story.segments[0]
        url = policy.clip_url(story, segment.start, segment.end)
        words = segment.words
        assert policy.clip_url(factories.make_story(as_user(users["reporter"])), 0, 1) is None  # no audio
    assert url.startswith("/clips/") and url.endswith(".mp3")
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "audio/mpeg"
    assert "no-store" in response.headers["Cache-Control"]
    clip = Path(app.config["DATA_DIR"]) / "heard.mp3"
    clip.write_bytes(response.data)
    assert tone_ratio(clip, words[2]["start"] + 0.05, words[3]["end"] - 0.05) > 0.9  # "Sarah Jones"
    assert tone_ratio(clip, words[0]["start"], words[1]["end"]) < 0.3  # "My officer" is heard
    # Forged, tampered and expired tokens are refused.
    token = url[len("/clips/"):-4]
    assert client.get(f"/clips/{token[:-2]}xx.mp3").status_code == 404
    forged = URLSafeTimedSerializer("another-key", salt=policy.CLIP_SALT).dumps({"s": story_id, "a": 0, "b": 3})
    assert client.get(f"/clips/{forged}.mp3").status_code == 404
    with app.app_context():
        real = policy._clip_serializer()
        old = real.dumps({"s": story_id, "a": 0.0, "b": 3.0})
    original = time.time
    try:
        time.time = lambda: original() + policy.CLIP_MAX_AGE_SECONDS + 5
        assert client.get(f"/clips/{old}.mp3").status_code == 404
    finally:
        time.time = original
    # Signed out: no clip.
    assert app.test_client().get(url).status_code == 302
    # Withdrawal: the same, still-valid URL stops working at once, and cached clips go.
    with app.app_context():
        services.withdraw_consent(db.session.get(Story, story_id), as_user(users["reporter"]))
        assert not clips_dir_for(app, story_id).exists()
        assert policy.clip_url(db.session.get(Story, story_id), 0, 2) is None
    assert client.get(url).status_code == 404


@pytest.mark.slow
def test_a_reporter_cannot_open_another_reporters_unredacted_story(app, users, nlp, as_user):
    """Against governance's routes and policy (the stories pages and API are the stories helper's)."""
    story_id = _audio_story(app, users, nlp, as_user)
    with app.app_context():
        other = factories.make_user("reporter", email="stranger@example.org")
        story = db.session.get(Story, story_id)
        assert policy.sees_unredacted(as_user(users["reporter"]), story)
        assert not policy.sees_unredacted(other, story)
        assert policy.sees_unredacted(as_user(users["safeguarding_lead"]), story)
        assert not policy.sees_unredacted(as_user(users["manager"]), story)
    stranger = app.test_client()
    sign_in(stranger, "stranger@example.org")
    assert stranger.get(f"/stories/{story_id}/redactions").status_code == 404
    assert stranger.get(f"/admin/stories/{story_id}/subject-access.zip").status_code == 403
    assert stranger.get(f"/clips/{story_id}.mp3").status_code == 404  # no guessable media URL
    for url in ("/media/1", f"/stories/{story_id}/audio", f"/api/v1/stories/{story_id}"):
        assert b"Sarah" not in stranger.get(url).data


@pytest.mark.real_commits  # reads the bytes of the database file after the erasure
@pytest.mark.slow
def test_erasure_leaves_no_file_row_or_byte(app, users, nlp, as_user):
    from themes.models import EmbeddingCache, Passage, ThemeRun
    from engines.embeddings import text_key

    story_id = _audio_story(app, users, nlp, as_user)
    marker = "Zebedee Quillfeather"
    client = app.test_client()
    sign_in(client, users["facilitator"].email)
    with app.test_request_context():
        story = db.session.get(Story, story_id)
        story.segments.append(Segment(position=2, text=f"{marker} was the marker here."))
        db.session.add(TranscriptVersion(story_id=story_id, number=1, kind="machine", segments=[{"text": marker}]))
        run = ThemeRun(status="done", story_ids=[story_id])
        db.session.add(run)
        db.session.flush()
        db.session.add(Passage(run_id=run.id, story_id=story_id, position=0, text=f"{marker} passage", text_hash="x"))
        db.session.add(EmbeddingCache(key=text_key(f"{marker} passage"), model="m", vector=b"\0" * 8))
        db.session.commit()
        url = policy.clip_url(story, 0.0, 2.5)
    assert client.get(url).status_code == 200
    data_dir = Path(app.config["DATA_DIR"])
    media_file = data_dir / db_media_path(app, story_id)
    assert media_file.exists() and any(clips_dir_for(app, story_id).iterdir())
    admin = app.test_client()
    sign_in(admin, users["admin"].email)
    assert admin.post(f"/admin/stories/{story_id}/erase", data={"confirm": "wrong"}).status_code == 200
    assert admin.post(f"/admin/stories/{story_id}/erase", data={"confirm": str(story_id)}).status_code == 302
    with app.app_context():
        assert db.session.get(Story, story_id) is None
        for model in (Segment, TranscriptVersion, Passage, EmbeddingCache):
            assert db.session.query(model).count() == 0, model
        from governance.models import Redaction, SafeguardingFlag, StoryGovernance
        from stories.models import MediaFile

        for model in (Redaction, SafeguardingFlag, StoryGovernance, MediaFile):
            assert db.session.query(model).count() == 0, model
        entry = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "story.erased")).one()
        assert entry.object_id == str(story_id) and entry.actor_label == users["admin"].email
        db.session.remove()
        db.engine.dispose()
    assert not media_file.exists() and not clips_dir_for(app, story_id).exists()
    assert client.get(url).status_code == 404
    database = data_dir / "storyloom.db"
    wal = data_dir / "storyloom.db-wal"
    assert not wal.exists() or wal.stat().st_size == 0
    for path in data_dir.rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            for secret in (marker.encode(), b"Sarah Jones"):
                assert secret not in content, f"{secret!r} remains in {path}"
    assert database.exists()


def db_media_path(app, story_id):
    with app.app_context():
        return db.session.get(Story, story_id).media.storage_path


def clips_dir_for(app, story_id):
    """Where a story's sealed clips sit when the media store is the data folder (the default)."""
    return Path(app.config["DATA_DIR"]) / "clips" / str(story_id)


@pytest.mark.slow
def test_retention_deletes_originals_and_keeps_redacted_text_where_consent_allows(app, users, nlp, as_user):
    story_id = _audio_story(app, users, nlp, as_user)
    with app.app_context():
        reporter = as_user(users["reporter"])
        story = db.session.get(Story, story_id)
        story.recorded_on = date(2020, 1, 15)
        gone = factories.make_story(reporter, text="Dave Smith from Hull told me.", recorded_on=date(2020, 1, 1))
        services.scan_story(gone.id, nlp=nlp)
        services.withdraw_consent(gone, reporter)
        fresh = factories.make_story(reporter, text="Dave Smith told me.", recorded_on=date.today())
        media_file = Path(app.config["DATA_DIR"]) / story.media.storage_path
        db.session.commit()
        services.set_retention_months(24, as_user(users["admin"]))
        from governance.tasks import apply_retention

        assert apply_retention() == [story_id, gone.id]
        assert apply_retention() == []  # once only
        story = db.session.get(Story, story_id)
        assert story.media is None and not media_file.exists()
        assert story.transcript_text == "My officer [name] moved me to [place].\nNow I help others."
        assert all(s.words == [] for s in story.segments)
        assert db.session.get(Story, gone.id).transcript_text == ""
        assert db.session.get(Story, fresh.id).transcript_text == "Dave Smith told me."
        assert db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "retention.originals_deleted")).all()


@pytest.mark.slow
def test_subject_access_zip_and_cli(app, users, nlp, as_user):
    story_id = _audio_story(app, users, nlp, as_user)
    admin = app.test_client()
    sign_in(admin, users["admin"].email)
    response = admin.get(f"/admin/stories/{story_id}/subject-access.zip")
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    names = set(archive.namelist())
    assert {"story.json", "transcript.txt", "transcript_redacted.txt", "audit.json", "audio/story.wav"} <= names
    assert "Sarah Jones" in archive.read("transcript.txt").decode()
    assert "[name]" in archive.read("transcript_redacted.txt").decode()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["safeguarding", "decide", str(story_id), "--decision", "restricted",
                                 "--by", users["safeguarding_lead"].email, "--note", "cli"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["consent", "withdraw", str(story_id), "--by", users["reporter"].email,
                                 "--reason", "asked"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["consent", "withdraw", str(story_id), "--by", users["reporter"].email])
    assert result.exit_code == 1
    result = runner.invoke(args=["retention", "run"])
    assert result.exit_code == 0 and "0 stories" in result.output
    result = runner.invoke(args=["stories", "erase", str(story_id), "--by", users["admin"].email, "--yes"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.get(Story, story_id) is None
        actions = {e.action for e in db.session.scalars(db.select(AuditEntry)).all()}
        assert {"story.subject_access_exported", "safeguarding.decided", "consent.withdrawn", "story.erased"} <= actions
