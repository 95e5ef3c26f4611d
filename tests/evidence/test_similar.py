"""Stories like this: from the theme run's cached embeddings, within what the viewer may see."""
import numpy as np
import pytest

from accounts.models import User
from engines.embeddings import text_key
from extensions import db
from tests import factories
from tests.themes.helpers import make_run_by_hand
from themes.models import EmbeddingCache


@pytest.fixture(autouse=True)
def _no_story_vectors_from_another_test():
    """Story vectors are kept per process by (database, run id): rolled-back tests reuse both."""
    from themes import evidence

    evidence._STORY_VECTORS.clear()


def _cache(text, vector):
    v = np.asarray(vector, dtype="float32")
    db.session.add(EmbeddingCache(key=text_key(text, None), model="test", vector=(v / np.linalg.norm(v)).tobytes()))


def test_story_page_lists_the_most_alike_stories_it_may_show(app, users, login):
    with app.app_context():
        reporter = db.session.get(User, users["reporter"].id)
        me = factories.make_story(reporter, title="Bus fares")
        near = factories.make_story(reporter, title="Travel money")
        far = factories.make_story(reporter, title="Family visits")
        gone = factories.make_story(reporter, title="Withdrawn twin", scopes=())
        texts = {me: "The bus costs four pounds.", near: "I cannot pay the train.", far: "My kids visit on Sunday.",
                 gone: "The bus costs five pounds."}
        make_run_by_hand({"Money": [(me, texts[me]), (near, texts[near]), (gone, texts[gone])],
                          "Family": [(far, texts[far])]})
        for story, vector in ((me, [1, 0, 0]), (near, [0.9, 0.1, 0]), (far, [0, 0, 1]), (gone, [1, 0, 0])):
            _cache(texts[story], vector)
        db.session.commit()
        me_id = me.id
    client = app.test_client()
    login(client, users["facilitator"])
    page = client.get(f"/stories/{me_id}").get_data(as_text=True)
    assert "Stories like this" in page
    assert page.index("Travel money") < page.index("Family visits")
    assert "Withdrawn twin" not in page.split("Stories like this")[1]


def test_a_passage_with_a_placeholder_is_found_under_the_key_discovery_cached_it_by(app, users):
    """Discovery embeds `clean_for_themes(text)` (placeholders out); "stories like this" must ask under that key."""
    from engines.themes.clean import clean_for_themes
    from themes.evidence import similar_stories

    with app.app_context():
        reporter = db.session.get(User, users["reporter"].id)
        me, near = factories.make_story(reporter, title="Bus fares"), factories.make_story(reporter, title="Travel")
        texts = {me: "The bus costs four pounds.", near: "My officer [name] said the train costs too much."}
        make_run_by_hand({"Money": [(me, texts[me]), (near, texts[near])]})
        for story, vector in ((me, [1, 0, 0]), (near, [0.9, 0.1, 0])):
            _cache(clean_for_themes(texts[story]), vector)
        db.session.commit()
        assert clean_for_themes(texts[near]) != texts[near]
        assert [sid for sid, _ in similar_stories(me.id, {me.id, near.id})] == [near.id]
