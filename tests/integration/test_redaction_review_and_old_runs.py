"""Facilitators review suggested redactions without reading the unredacted transcript; later
redaction decisions apply to passages of earlier theme runs."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from extensions import db
from governance import services
from governance.models import Redaction
from tests import factories
from tests.conftest import sign_in
from tests.integration.helpers import audit_count, user
from tests.themes.helpers import make_run_by_hand

TEXT = ("Sarah Jones moved me to Leeds in the spring. The hostel on the corner was loud at night and "
        "nobody there ever asked how I was getting on with the course at the college.")


def _reviewed_story(app, users, nlp):
    """Detection proposes Sarah Jones (name) and Leeds (place); the reporter hides Leeds for good."""
    with app.app_context():
        story = factories.make_story(user(users["reporter"]), title="Moving", text=TEXT)
        services.scan_story(story.id, nlp=nlp)
        rows = {r.text: r for r in services.redactions_for(story)}
        assert {"Sarah Jones", "Leeds"} <= set(rows), rows
        services.accept_redaction(rows["Leeds"], user(users["reporter"]))
        return story.id, rows["Sarah Jones"].id, rows["Leeds"].id


@pytest.mark.slow
def test_facilitator_sees_only_what_others_see_and_decides_no_suggestion(app, users, nlp):
    """#9 finding 4: undecided suggestions are read and decided by the reporter, admins and the lead only."""
    story_id, name_id, place_id = _reviewed_story(app, users, nlp)
    facilitator, owner = app.test_client(), app.test_client()
    sign_in(facilitator, users["facilitator"].email)
    sign_in(owner, users["reporter"].email)
    page = facilitator.get(f"/stories/{story_id}/redactions").get_data(as_text=True)
    assert "Sarah Jones" not in page and "[name] moved me to [place]" in page  # the suggestion stays hidden
    assert "Leeds" not in page  # hidden (accepted) words are never shown to a facilitator
    assert 'id="gv-transcript"' not in page
    with app.app_context():
        assert audit_count("story.viewed_unredacted", story_id) == 0
        assert audit_count("story.viewed_redaction_spans", story_id) == 1
    # Deciding is for those who read the words: neither a suggestion nor a hidden word.
    assert facilitator.post(f"/stories/{story_id}/redactions/{name_id}/accept").status_code == 403
    assert facilitator.post(f"/stories/{story_id}/redactions/{place_id}/reject").status_code == 403
    assert owner.post(f"/stories/{story_id}/redactions/{name_id}/accept").status_code == 302
    # Hiding more: only words the facilitator can read; the unredacted text is not searched for them.
    facilitator.post(f"/stories/{story_id}/redactions/add", data={"words": "Leeds", "kind": "place"})
    facilitator.post(f"/stories/{story_id}/redactions/add", data={"words": "the college", "kind": "organisation"})
    with app.app_context():
        states = {r.text: r.state for r in db.session.scalars(select(Redaction).where(Redaction.story_id == story_id))}
        assert states["Sarah Jones"] == "accepted" and states["Leeds"] == "accepted"
        assert states["the college"] == "accepted" and list(states).count("Leeds") == 1
    # The reporter still sees (and the audit records) the whole unredacted transcript.
    full = owner.get(f"/stories/{story_id}/redactions").get_data(as_text=True)
    assert 'id="gv-transcript"' in full and "Leeds" in full
    with app.app_context():
        assert audit_count("story.viewed_unredacted", story_id) == 1


def test_a_later_redaction_hides_words_in_an_earlier_theme_run(app, users):
    with app.app_context():
        reporter = user(users["reporter"])
        story = factories.make_story(reporter, title="Help", text="Sarah Jones at the council helped me.")
        other = factories.make_story(reporter, title="Other", text="The bus costs four pounds.")
        run = make_run_by_hand({"Help": [(story, "Sarah Jones at the council helped me."),
                                         (other, "The bus costs four pounds.")]})
        run_id, story_id, theme_id = run.id, story.id, run.themes[0].id
    client = app.test_client()
    sign_in(client, users["facilitator"].email)
    assert "Sarah Jones at the council" in client.get("/themes").get_data(as_text=True)
    with app.app_context():
        services.add_redaction_by_words(db.session.get(type(story), story_id), "Sarah Jones", "name",
                                        user(users["reporter"]))
    assert "Sarah Jones" not in client.get("/themes").get_data(as_text=True)
    theme_page = client.get(f"/themes/t/{theme_id}").get_data(as_text=True)
    assert "Sarah Jones" not in theme_page and "These words are hidden now" in theme_page
    api = client.get(f"/api/v1/theme-runs/{run_id}").get_json()
    texts = [p["text"] for t in api["themes"] for p in t["passages"]]
    assert "The bus costs four pounds." in texts and not any("Sarah" in (t or "") for t in texts)
