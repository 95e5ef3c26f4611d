"""The unredacted transcript and the original audio: only the reporter, admins and the safeguarding
lead; every view audited once (not once per Range request); other reporters get 404/403 everywhere."""
from __future__ import annotations

import pytest
from extensions import db
from governance import policy, services
from tests import factories
from tests.conftest import sign_in
from tests.integration.helpers import audit_count, user
from tests.workshops.helpers import audio_story

SENTENCES = ["Sarah Jones moved me to Leeds last spring.", "The hostel was loud at night."]


def _story(app, users, nlp, scopes=("analysis", "workshop", "quote", "manager_view")):
    with app.app_context():
        story = audio_story(user(users["reporter"]), title="Moving", sentences=SENTENCES, scopes=scopes)
        services.scan_story(story.id, nlp=nlp)
        return story.id


@pytest.mark.slow
def test_owner_views_are_audited_once_per_page_and_once_per_listen(app, users, nlp):
    story_id = _story(app, users, nlp)
    owner, facilitator = app.test_client(), app.test_client()
    sign_in(owner, users["reporter"].email)
    sign_in(facilitator, users["facilitator"].email)
    with app.app_context():
        before = audit_count("story.viewed_unredacted", story_id)
    page = owner.get(f"/stories/{story_id}")
    assert page.status_code == 200 and b"Sarah Jones" in page.data
    first = owner.get(f"/stories/{story_id}/audio", headers={"Range": "bytes=0-"})
    assert first.status_code == 206
    for start in (1000, 5000, 20000):  # the player seeking: no new entries
        assert owner.get(f"/stories/{story_id}/audio", headers={"Range": f"bytes={start}-"}).status_code == 206
    assert owner.get(f"/stories/{story_id}/audio").status_code == 200  # the same session: already counted
    api = owner.get(f"/api/v1/stories/{story_id}")
    assert api.status_code == 200 and "Sarah Jones" in api.get_data(as_text=True)
    with app.app_context():
        # page, the original's audio (once per session and story, however it is read), API
        assert audit_count("story.viewed_unredacted", story_id) == before + 3
    # A facilitator is shown the redacted words only: nothing to audit as an unredacted view.
    shown = facilitator.get(f"/stories/{story_id}")
    assert shown.status_code == 200 and b"Sarah Jones" not in shown.data and b"[name]" in shown.data
    assert facilitator.get(f"/stories/{story_id}/audio").status_code == 404
    assert "Sarah" not in facilitator.get(f"/api/v1/stories/{story_id}").get_data(as_text=True)
    with app.app_context():
        assert audit_count("story.viewed_unredacted", story_id) == before + 3


@pytest.mark.slow
def test_another_reporter_cannot_open_the_story_anywhere(app, users, nlp):
    story_id = _story(app, users, nlp)
    private_id = _story(app, users, nlp, scopes=("analysis",))  # no quote consent: no clip for anyone
    with app.app_context():
        other_email = factories.make_user("reporter", email="other-reporter@example.org").email
        story = db.session.get(policy.Story, story_id)
        real_clip = policy.clip_url(story, 0.0, 2.8)
        assert real_clip  # a signed link the quote pages would hand out
        forged = policy._clip_serializer().dumps({"s": private_id, "a": 0.0, "b": 2.8})
        passage_id = _passage_of(private_id)
    stranger = app.test_client()
    sign_in(stranger, other_email)
    for sid in (story_id, private_id):
        assert stranger.get(f"/stories/{sid}").status_code == 404
        assert stranger.get(f"/api/v1/stories/{sid}").status_code == 404
        assert stranger.get(f"/stories/{sid}/audio").status_code == 404
        assert stranger.get(f"/stories/{sid}/audio", headers={"Range": "bytes=0-"}).status_code == 404
        assert stranger.get(f"/stories/{sid}/versions").status_code == 404
        assert stranger.get(f"/stories/{sid}/redactions").status_code == 404
    # Clips: a signed link to a story without quote consent is refused, a made-up token too,
    # and the workshops' clip route is not open to reporters at all.
    assert stranger.get(f"/clips/{forged}.mp3").status_code == 404
    assert stranger.get("/clips/not-a-token.mp3").status_code == 404
    assert stranger.get(f"/workshops/clips/{passage_id}.mp3").status_code == 403
    # The clip a quote page hands out is redacted audio: the name is toned out (tested in governance);
    # it never serves the original file.
    served = stranger.get(real_clip)
    assert served.status_code == 200 and served.mimetype == "audio/mpeg"
    with app.app_context():
        assert audit_count("story.viewed_unredacted", story_id) == 0


@pytest.mark.slow
def test_facilitators_do_not_see_earlier_versions(app, users, nlp):
    """Earlier versions may hold words redacted since: only the reporter, admins and the lead see them."""
    with app.app_context():
        story = factories.make_story(user(users["reporter"]), text="The hostel was loud at night.")
        story_id = story.id
    facilitator, owner = app.test_client(), app.test_client()
    sign_in(facilitator, users["facilitator"].email)
    sign_in(owner, users["reporter"].email)
    assert facilitator.get(f"/stories/{story_id}/versions").status_code == 404
    assert owner.get(f"/stories/{story_id}/versions").status_code == 200


def _passage_of(story_id: int) -> int:
    from themes.models import Passage, ThemeRun

    run = ThemeRun(status="done", story_ids=[story_id], model="test")
    db.session.add(run)
    db.session.flush()
    passage = Passage(run_id=run.id, story_id=story_id, position=0, start=0.0, end=2.8, text="[name] moved me",
                      text_hash="x")
    db.session.add(passage)
    db.session.commit()
    return passage.id
