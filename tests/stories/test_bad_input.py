"""Bad files get a clear message; nothing half-written is left; saved stories are untouched."""
import io
import os
from pathlib import Path

import pytest
from sqlalchemy import func, select

from extensions import db
from stories.models import MediaFile, Story
from tests.conftest import build_app, reset_schema, sign_in
from tests.factories import make_story
from tests.stories.conftest import leftovers, upload_data


@pytest.fixture
def reporter(app, users):
    client = app.test_client()
    sign_in(client, users["reporter"].email)
    with app.app_context():
        from accounts.models import User

        make_story(db.session.get(User, users["reporter"].id), title="Already saved")
    return client


def _bad_files(clips, tmp_path):
    wav = clips["wav"].read_bytes()
    mp3 = clips["mp3"].read_bytes()
    broken_header = bytearray(wav)
    broken_header[8:16] = b"XXXXXXXX"  # 'WAVEfmt ' destroyed
    return {
        "program.wav": (os.urandom(1) and b"MZ\x90\x00" + os.urandom(40000), "does not look like"),
        "half.mp3": (mp3[: len(mp3) // 3], "cut short"),
        "empty.wav": (b"", "empty"),
        "broken.wav": (bytes(broken_header), "does not look like"),
    }


def test_each_bad_file_is_refused_with_a_clear_message(app, reporter, clips, tmp_path):
    for name, (data, words) in _bad_files(clips, tmp_path).items():
        form = upload_data(clips["wav"])
        form["audio"] = [(io.BytesIO(data), name)]
        response = reporter.post("/stories/new/upload", data=form, content_type="multipart/form-data")
        page = response.get_data(as_text=True)
        assert response.status_code >= 400, name
        assert words in page.replace("\n", " ") or words in page, (name, page[page.find("Problem"):][:300])
    with app.app_context():
        assert [s.title for s in db.session.scalars(select(Story))] == ["Already saved"]
        assert db.session.scalar(select(func.count()).select_from(MediaFile)) == 0
    assert leftovers(app) == []


@pytest.mark.slow
def test_one_bad_file_among_good_ones_does_not_stop_the_others(app, reporter, clips):
    form = upload_data(clips["wav"], title="Batch")
    form["audio"] = [(io.BytesIO(clips["wav"].read_bytes()), "good.wav"), (io.BytesIO(b"not audio at all" * 100), "bad.mp3")]
    response = reporter.post("/stories/new/upload", data=form, content_type="multipart/form-data")
    assert "bad.mp3" in response.get_data(as_text=True)
    with app.app_context():
        titles = sorted(s.title for s in db.session.scalars(select(Story)))
    assert titles == ["Already saved", "Batch (1 of 2)"]


def test_a_file_over_the_limit_is_refused(tmp_path, clips):
    app = build_app(tmp_path / "data", MAX_UPLOAD_BYTES=20_000)
    reset_schema(app)
    with app.app_context():
        from tests.factories import make_user

        make_user("reporter", email="r@example.org")
    client = app.test_client()
    sign_in(client, "r@example.org")
    response = client.post("/stories/new/upload", data=upload_data(clips["wav"]), content_type="multipart/form-data")
    assert response.status_code == 413 and "too large" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Story)) == 0
    assert leftovers(app) == []
    # The chunked upload stops at the limit too.
    upload_id = client.post("/api/v1/uploads", json={"filename": "r.webm"}).json["id"]
    too_big = client.put(f"/api/v1/uploads/{upload_id}?offset=0", data=b"x" * 30_000)
    assert too_big.status_code == 413 and too_big.json["received"] == 0


@pytest.mark.slow
def test_a_name_that_tries_to_escape_the_folder_goes_nowhere(app, reporter, clips):
    form = upload_data(clips["wav"])
    form["audio"] = [(io.BytesIO(clips["wav"].read_bytes()), "../../../../etc/evil.wav")]
    assert reporter.post("/stories/new/upload", data=form, content_type="multipart/form-data").status_code == 302
    with app.app_context():
        (story,) = [s for s in db.session.scalars(select(Story)) if s.title == "Bus fares"]  # titles are sealed
        assert "/" not in story.source_filename and ".." not in story.source_filename
        assert story.media.storage_path.startswith("media/")
    assert not Path("/etc/evil.wav").exists()


@pytest.mark.slow
def test_a_story_whose_audio_breaks_past_the_header_fails_with_a_reason_and_can_be_retried(app, users, clips):
    from accounts.models import User
    from stories import media, services

    good = clips["ogg"].read_bytes()
    with app.app_context():
        reporter = db.session.get(User, users["reporter"].id)
        story = services.create_audio_story(io.BytesIO(good), "bus.ogg", {"title": "Breaks", "storyteller_role": "staff"},
                                            None, reporter, transcribe=False)
        stored = media.absolute_path(story.media)
        corrupt = Path(app.config["DATA_DIR"]) / "corrupt.ogg"
        corrupt.write_bytes(good[:3000] + os.urandom(len(good) - 3000))
        media.encrypt_file(corrupt, stored, media.media_key())
        services.start_transcription(story, reporter)
        story = db.session.get(Story, story.id)
        db.session.refresh(story)
        assert story.status == "failed" and ("damaged" in story.status_reason or "cannot be played" in story.status_reason)
        good_copy = Path(app.config["DATA_DIR"]) / "good.ogg"
        good_copy.write_bytes(good)
        media.encrypt_file(good_copy, stored, media.media_key())
        story_id = story.id
    client = app.test_client()
    sign_in(client, users["reporter"].email)
    page = client.get("/stories").get_data(as_text=True)
    assert "cannot be played" in page or "damaged" in page
    assert "Try again" in page
    assert client.post(f"/stories/{story_id}/retry").status_code == 302
    with app.app_context():
        assert db.session.get(Story, story_id).status == "needs_review"
