""""You said, we did": a page to print and play for the storyteller; consent read aloud; a public page."""
import io
import wave

import pytest

from accounts.models import User
from extensions import db
from stories.models import ConsentScope, Story
from tests.conftest import sign_in
from tests.workshops.helpers import build_world, workshop_data
from workshops import actions, planning


@pytest.fixture
def decided(app, users):
    """A workshop that discussed the world's stories, and an action on the first theme."""
    with app.app_context():
        world = build_world(audio=0, text_stories=3, reporter=db.session.get(User, users["reporter"].id))
        workshop = planning.create_workshop(workshop_data(world))
        action = actions.create_action({"title": "Bus passes at the first appointment", "status": "agreed",
                                          "description": "Everyone gets a pass.", "workshop_id": workshop.id,
                                          "theme_ids": world["theme_ids"][:1]})
        actions.add_update(action, actor=db.session.get(User, users["facilitator"].id), status="done",
                             comment="Passes handed out since June.")
        return {"story": world["story_ids"][0], "workshop": workshop.id, "world": world}


def test_the_summary_says_themes_workshops_decisions_and_changes_in_plain_words(app, users, decided):
    client = app.test_client()
    sign_in(client, users["reporter"].email)
    page = client.get(f"/stories/{decided['story']}/you-said-we-did").get_data(as_text=True)
    assert "You said, we did" in page
    assert "Getting to appointments" in page  # a theme of the story
    assert "Getting here and staying housed" in page  # the workshop
    assert "Bus passes at the first appointment" in page and "has been done" in page
    assert "Passes handed out since June." in page
    assert "data-print" in page and "you-said-we-did.wav" in page


@pytest.mark.slow
def test_the_summary_and_the_consent_text_are_read_aloud_as_wav(app, users, decided):
    client = app.test_client()
    sign_in(client, users["reporter"].email)
    for url in (f"/stories/{decided['story']}/you-said-we-did.wav", "/consent/read-aloud.wav"):
        response = client.get(url)
        assert response.status_code == 200 and response.mimetype == "audio/wav"
        with wave.open(io.BytesIO(response.data)) as w:
            assert w.getnframes() / w.getframerate() > 5  # seconds of speech, not an empty file
    assert 'src="/consent/read-aloud.wav"' in client.get("/stories/new/upload").get_data(as_text=True)


def test_another_reporter_cannot_open_someone_elses_summary(app, users, decided):
    from tests import factories

    with app.app_context():
        factories.make_user("reporter", email="other-reporter@example.org")
    client = app.test_client()
    sign_in(client, "other-reporter@example.org")
    assert client.get(f"/stories/{decided['story']}/you-said-we-did").status_code == 404


def test_public_page_is_off_by_default_and_shows_only_public_consent_words(app, users, decided):
    client = app.test_client()
    sign_in(client, users["facilitator"].email)
    settings = client.get(f"/workshops/{decided['workshop']}/public").get_data(as_text=True)
    assert "The page is <strong>off</strong>" in settings
    with app.app_context():
        public_story = db.session.get(Story, decided["world"]["story_ids"][1])
        public_story.current_consent.scope_rows.append(ConsentScope(scope="public"))
        db.session.commit()
        public_id = public_story.id
    client.post(f"/workshops/{decided['workshop']}/public", data={"enabled": "1"})
    with app.app_context():
        from evidence.yousaid import public_page

        slug = public_page(decided["workshop"]).slug
    anonymous = app.test_client()
    page = anonymous.get(f"/public/{slug}").get_data(as_text=True)
    assert "Bus passes at the first appointment" in page and "Getting to appointments" in page
    assert f"fare {public_id - decided['world']['story_ids'][0]}." in page  # the public story's words
    assert "the fare 0." not in page and "the fare 2." not in page  # the others gave no public consent
    client.post(f"/workshops/{decided['workshop']}/public", data={"enabled": "0"})
    assert anonymous.get(f"/public/{slug}").status_code == 404
