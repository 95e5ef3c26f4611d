"""A reporter can see why a checked story is still kept out of use."""
from extensions import db
from governance.models import StoryGovernance
from governance.policy import hold_label
from tests import factories
from tests.conftest import sign_in


def test_story_waiting_for_the_safeguarding_lead_says_so_on_the_reporters_list(app, users):
    with app.app_context():
        from accounts.models import User

        reporter = db.session.get(User, users["reporter"].id)
        story = factories.make_story(reporter, title="A hard winter", text="I felt low all winter.")
        assert hold_label(story) is None
        db.session.add(StoryGovernance(story_id=story.id, scan_state="done", safeguarding_state="awaiting"))
        db.session.commit()
        assert hold_label(story) == "Waiting for the safeguarding lead"
    client = app.test_client()
    sign_in(client, users["reporter"].email)
    for page in ("/", "/stories"):
        html = client.get(page).get_data(as_text=True)
        assert "A hard winter" in html and "Waiting for the safeguarding lead" in html, page
