"""Present mode stays within consent: clip addresses carry a fingerprint of the story's consent and
redactions, an old address stops working the moment either changes, clips are nosniff downloads,
and signing out tells the browser to drop what it kept."""
from __future__ import annotations

import re

from extensions import db
from stories.models import Story
from tests.conftest import sign_in
from tests.workshops.helpers import time_words, withdraw, workshop_data
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


def test_a_chosen_quote_is_presented_with_its_own_clip_and_leaves_when_its_story_is_withdrawn(app, client, users, world):
    """A quote people made by selecting words shows in present mode as in the pack: its words, who says
    them and a play button for its own clip (its exact start and end), served under /workshops/."""
    from themes.quote_models import Quote

    story_id = world["audio_story_ids"][0]
    with app.app_context():
        time_words(db.session.get(Story, story_id))
        quote = Quote(story_id=story_id, theme_id=world["theme_ids"][0], start=3.0, end=5.8)  # the 2nd sentence
        db.session.add(quote)
        db.session.commit()
        quote_id = quote.id
        workshop_id = planning.create_workshop(workshop_data(world)).id
    sign_in(client, users["facilitator"].email)
    page = client.get(f"/workshops/{workshop_id}/present").get_data(as_text=True)
    first = page[page.index('id="slide-1"'):page.index('id="slide-2"')]
    assert "My worker changed three times this year 0." in first  # a passage of theme 3, quoted under theme 1
    urls = [u for u in _clips(client, workshop_id) if f"/workshops/clips/quotes/{quote_id}.mp3" in u]
    assert len(urls) == 1 and re.search(r"\?v=[0-9a-f]{16}$", urls[0])
    item = first[first.rindex("<li", 0, first.index("My worker changed three times this year 0.")):]
    item = item[:item.index("</li>")]
    assert "told by" in item and 'class="play"' in item and urls[0].replace("&", "&amp;") in item
    heard = client.get(urls[0])
    assert heard.status_code == 200 and heard.mimetype.startswith("audio/")
    assert heard.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get(urls[0].split("?")[0]).status_code == 404  # no fingerprint, no clip

    with app.app_context():
        from governance.policy import redacted_clip_file

        assert redacted_clip_file(db.session.get(Story, story_id), 3.0, 5.8)  # its own times, not a passage's
        withdraw(db.session.get(Story, story_id))
    assert client.get(urls[0]).status_code in (403, 404)
    page = client.get(f"/workshops/{workshop_id}/present").get_data(as_text=True)
    assert "My worker changed three times this year 0." not in page
    assert f"/clips/quotes/{quote_id}.mp3" not in page
