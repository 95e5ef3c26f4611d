"""The suite's own fixtures do what the tests rely on."""
from accounts.models import User
from extensions import db
from stories.models import Story


def test_each_test_starts_from_an_empty_database(app_context):
    # Every earlier test made users and stories; their rows were rolled back.
    assert db.session.query(User).count() == 0 and db.session.query(Story).count() == 0


def test_make_story_gives_a_row_with_audio_and_the_consent_asked_for(make_story):
    story = make_story(audio=True, consent=("analysis",), sentences=["One.", "Two."])
    assert story.id and story.source_kind == "audio" and story.media is not None
    assert [s.start for s in story.segments] == [0.0, 3.0] and story.consents[0].scopes == ["analysis"]
    assert make_story(consent=None).consents == []


def test_auth_signs_in_by_role_and_out_again(auth, client):
    auth.login("manager")
    assert client.get("/actions").status_code == 200
    auth.logout()
    assert client.get("/actions").status_code == 302


def test_count_queries_counts_the_statements_of_a_request(auth, client, count_queries):
    auth.login("admin")
    with count_queries() as queries:
        client.get("/")
    assert 0 < len(queries) < 40
