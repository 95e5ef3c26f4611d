"""Theme reels: redacted clips joined with a tone, WebVTT captions, a captioned MP4; gone with a withdrawal."""
import pytest

from accounts.models import User
from config import STORYTELLER_LABELS
from extensions import db
from tests.conftest import sign_in
from tests.themes.helpers import make_run_by_hand
from tests.workshops.helpers import audio_story

pytestmark = pytest.mark.slow  # real ffmpeg work on short audio


@pytest.fixture
def theme_id(app, users):
    with app.app_context():
        reporter = db.session.get(User, users["reporter"].id)
        one = audio_story(reporter, title="Called back", sentences=["They rang me back the same day.", "It helped."])
        two = audio_story(reporter, title="Forms", role="staff", sentences=["We fill in the forms together."])
        run = make_run_by_hand({"Being listened to": [(one, "They rang me back the same day."),
                                                      (two, "We fill in the forms together.")]})
        for passage in run.passages:
            passage.pinned = True
            segment = passage.story.segments[0]
            passage.start, passage.end = segment.start, segment.end
        db.session.commit()
        return run.themes[0].id


def test_a_reel_is_built_played_and_downloaded_then_gone_after_a_withdrawal(app, users, theme_id):
    from governance.services import withdraw_consent
    from stories.models import Story

    client = app.test_client()
    sign_in(client, users["facilitator"].email)
    assert client.post(f"/themes/t/{theme_id}/reel").status_code == 302  # the inline queue builds it now
    page = client.get(f"/themes/t/{theme_id}/reel").get_data(as_text=True)
    assert "<video" in page and 'kind="captions"' in page
    captions = client.get(f"/themes/t/{theme_id}/reel/reel.vtt").get_data(as_text=True)
    assert captions.startswith("WEBVTT") and all(f"<v {STORYTELLER_LABELS[role]}>" in captions for role in ("service_user", "staff"))
    assert "-->" in captions and "We fill in the forms together." in captions
    video = client.get(f"/themes/t/{theme_id}/reel/reel.mp4")
    assert video.status_code == 200 and video.mimetype == "video/mp4" and len(video.data) > 10_000
    audio = client.get(f"/themes/t/{theme_id}/reel/reel.mp3")
    assert audio.status_code == 200 and len(audio.data) > 5_000
    with app.app_context():
        from workshops.planning import create_workshop
        from themes.models import Theme

        theme = db.session.get(Theme, theme_id)
        story_ids = sorted({p.story_id for p in theme.run.passages})
        workshop_id = create_workshop({"title": "Reel week", "theme_run_id": theme.run_id, "theme_ids": [theme_id],
                                       "story_ids": story_ids}).id
    present = client.get(f"/workshops/{workshop_id}/present").get_data(as_text=True)
    assert f'src="/themes/t/{theme_id}/reel/reel.mp4"' in present
    with app.app_context():
        story = next(s for s in db.session.scalars(db.select(Story)) if s.title == "Forms")  # titles are sealed
        withdraw_consent(story, actor=db.session.get(User, users["admin"].id))
        from core.storage import storage

        assert not storage().list("reels/")
    assert client.get(f"/themes/t/{theme_id}/reel/reel.mp4").status_code == 404


def test_managers_cannot_build_reels(app, users, theme_id):
    client = app.test_client()
    sign_in(client, users["manager"].email)
    assert client.post(f"/themes/t/{theme_id}/reel").status_code in (403, 404)


def test_reel_files_are_sealed_at_rest_and_leave_the_store_after_a_withdrawal(app, users, theme_id):
    from pathlib import Path

    from core.storage import storage
    from governance.services import withdraw_consent
    from stories.models import Story

    client = app.test_client()
    sign_in(client, users["facilitator"].email)
    assert client.post(f"/themes/t/{theme_id}/reel").status_code == 302
    assert client.get(f"/themes/t/{theme_id}/reel/reel.vtt").get_data(as_text=True).startswith("WEBVTT")
    data_dir = Path(app.config["DATA_DIR"])
    files = [p for p in data_dir.rglob("*") if p.is_file() and not p.name.startswith("storyloom.db")]
    for marker in (b"WEBVTT", b"ftypisom", b"We fill in the forms"):
        assert not [p for p in files if marker in p.read_bytes()], marker  # no reel file in plaintext anywhere
    with app.app_context():
        assert storage().list("reels/")  # sealed in the media store
        story = next(s for s in db.session.scalars(db.select(Story)) if s.title == "Forms")  # titles are sealed
        withdraw_consent(story, actor=db.session.get(User, users["admin"].id))
        assert not storage().list("reels/")


def test_the_workshop_pack_holds_each_themes_reel_of_its_own_stories(app, users, theme_id, tmp_path):
    import zipfile

    from stories.models import Story
    from themes.models import Theme
    from workshops import packs
    from workshops.planning import create_workshop

    with app.app_context():
        theme = db.session.get(Theme, theme_id)
        called = next(s for s in db.session.scalars(db.select(Story)) if s.title == "Called back")
        workshop = create_workshop({"title": "Reel week", "theme_run_id": theme.run_id, "theme_ids": [theme_id],
                                    "story_ids": [called.id]})  # the staff story about forms is not in it
        result, _fingerprint, content = packs.build_pack_file(workshop, tmp_path / "pack.zip")
        assert content["themes"][0]["reel"]["video"] == "theme-01-reel.mp4"
    with zipfile.ZipFile(result.path) as pack:
        names = set(pack.namelist())
        assert {"reels/theme-01-reel.mp3", "reels/theme-01-reel.vtt", "reels/theme-01-reel.mp4"} <= names
        captions = pack.read("reels/theme-01-reel.vtt").decode()
        assert "They rang me back the same day." in captions and "forms" not in captions
        assert 'src="reels/theme-01-reel.mp4"' in pack.read("index.html").decode()
        assert "reels/theme-01-reel.mp4" in pack.read("manifest.json").decode()
        assert len(pack.read("reels/theme-01-reel.mp4")) > 10_000
