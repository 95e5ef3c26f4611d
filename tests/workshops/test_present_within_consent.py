"""Present mode stays within consent: clip addresses carry a fingerprint of the story's consent and
redactions, an old address stops working the moment either changes, clips are nosniff downloads,
and signing out tells the browser to drop what it kept."""
from __future__ import annotations

import re

from extensions import db
from stories.models import Story
from tests.conftest import sign_in
from tests.workshops.helpers import withdraw, workshop_data
from workshops import planning


def _clips(client, workshop_id: int) -> list[str]:
    page = client.get(f"/workshops/{workshop_id}/present").get_data(as_text=True)
    return re.findall(r'<audio preload="auto" src="([^"]+)"', page)


def test_a_clip_address_stops_working_when_its_storys_consent_or_redactions_change(app, client, users, world):
    with app.app_context():
        workshop_id = planning.create_workshop(workshop_data(world)).id
    sign_in(client, users["facilitator"].email)
    before = _clips(client, workshop_id)
    assert before and all(re.search(r"\?v=[0-9a-f]{16}$", url) for url in before)
    first = client.get(before[0])
    assert first.status_code == 200 and first.mimetype == "audio/mpeg"
    assert first.headers["X-Content-Type-Options"] == "nosniff"
    assert first.headers["Content-Disposition"].startswith("attachment")
    assert client.get(before[0].split("?")[0]).status_code == 404  # no fingerprint, no clip

    from themes.models import Passage

    with app.app_context():
        passage_id = int(re.search(r"/clips/(\d+)\.mp3", before[0]).group(1))
        story = db.session.get(Passage, passage_id).story
        story_id = story.id
        from governance.services import add_redaction

        add_redaction(story, 0, 3, "name")  # a reviewer hides a word: the clip is a different clip now
    after_redaction = _clips(client, workshop_id)
    assert before[0] not in after_redaction
    assert client.get(before[0]).status_code == 404
    renewed = [u for u in after_redaction if f"/clips/{passage_id}.mp3" in u]
    assert renewed and client.get(renewed[0]).status_code == 200

    with app.app_context():
        withdraw(db.session.get(Story, story_id))
    assert client.get(renewed[0]).status_code == 404
    assert not [u for u in _clips(client, workshop_id) if f"/clips/{passage_id}.mp3" in u]


def test_signing_out_tells_the_browser_to_drop_its_offline_copies(app, client, users):
    sign_in(client, users["facilitator"].email)
    response = client.post("/logout")
    assert response.status_code == 302
    assert '"cache"' in response.headers["Clear-Site-Data"] and '"storage"' in response.headers["Clear-Site-Data"]
