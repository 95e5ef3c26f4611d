"""Original audio and clips go out as what they are: the probed codec's type, nosniff, a download;
every read of an original, ranged or whole, is audited once per session and story."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from accounts.models import User
from audit.models import AuditEntry
from extensions import db
from stories.media import store_upload
from tests.conftest import sign_in
from tests.factories import make_story


@pytest.fixture
def story_with_html_typed_mp3(app, users, clips):
    """An mp3 whose upload said it was text/html (the browser's part header is the uploader's to choose)."""
    with app.app_context():
        reporter = db.session.get(User, users["reporter"].id)
        media = store_upload(io.BytesIO(clips["mp3"].read_bytes()), "flat.mp3", max_bytes=10 ** 8,
                             content_type="text/html")
        story = make_story(reporter, media=media, duration_s=media.duration_s)
        return story.id, media.bytes


def _audio_reads(app, story_id: int) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "story.viewed_unredacted", AuditEntry.object_id == str(story_id),
            AuditEntry.summary.contains("original audio")))


def _assert_safe(response, mimetype: str):
    assert response.mimetype == mimetype, response.headers
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Disposition"].startswith("attachment")


def test_original_goes_out_as_the_probed_codec_never_the_uploaders_type(app, users, story_with_html_typed_mp3):
    story_id, size = story_with_html_typed_mp3
    client = app.test_client()
    sign_in(client, users["reporter"].email)
    whole = client.get(f"/stories/{story_id}/audio")
    assert whole.status_code == 200 and len(whole.data) == size
    _assert_safe(whole, "audio/mpeg")
    part = client.get(f"/stories/{story_id}/audio", headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and len(part.data) == 100
    assert part.headers["Content-Range"] == f"bytes 100-199/{size}"
    _assert_safe(part, "audio/mpeg")
    suffix = client.get(f"/stories/{story_id}/audio", headers={"Range": "bytes=-10"})
    assert suffix.status_code == 206 and suffix.data == whole.data[-10:]
    beyond = client.get(f"/stories/{story_id}/audio", headers={"Range": f"bytes={size + 10}-"})
    assert beyond.status_code == 416
    nonsense = client.get(f"/stories/{story_id}/audio", headers={"Range": "bytes=abc"})
    assert nonsense.status_code == 200 and len(nonsense.data) == size


def test_every_read_of_an_original_is_audited_once_per_session_and_story(app, users, story_with_html_typed_mp3):
    story_id, size = story_with_html_typed_mp3
    first = app.test_client()
    sign_in(first, users["reporter"].email)
    # A whole-file read made as ranges that never start at 0 (how a downloader could avoid the old audit).
    for start in range(100, size, 4000):
        assert first.get(f"/stories/{story_id}/audio", headers={"Range": f"bytes={start}-{start + 3999}"}).status_code == 206
    assert _audio_reads(app, story_id) == 1
    first.get(f"/stories/{story_id}/audio")
    assert _audio_reads(app, story_id) == 1  # the same session, the same story: once
    second = app.test_client()
    sign_in(second, users["admin"].email)
    second.get(f"/stories/{story_id}/audio", headers={"Range": "bytes=500-"})
    assert _audio_reads(app, story_id) == 2  # another session: its own entry


def test_clips_go_out_as_mp3_downloads_with_nosniff(app, users, story_with_html_typed_mp3):
    story_id, _ = story_with_html_typed_mp3
    with app.app_context(), app.test_request_context():
        from governance.policy import clip_url
        from stories.models import Story

        url = clip_url(db.session.get(Story, story_id), 0.2, 1.5)
    client = app.test_client()
    sign_in(client, users["facilitator"].email)
    response = client.get(url)
    assert response.status_code == 200 and response.data[:3] in (b"ID3", b"\xff\xfb", b"\xff\xf3")
    _assert_safe(response, "audio/mpeg")
