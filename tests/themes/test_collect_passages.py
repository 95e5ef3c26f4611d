"""A theme run reads its stories' words through governance in a few queries per 500 stories, not three
per story, and still cuts only what may be shown: accepted redactions applied, words changed since their
check left out."""
from __future__ import annotations

from accounts.models import User
from extensions import db
from governance.models import Redaction, StoryGovernance
from tests import factories

WORDS = "My officer Marcus Bell found me a flat near the station after six weeks of waiting."


def _stories(reporter, count: int) -> list[int]:
    ids = []
    for n in range(count):
        story = factories.make_story(reporter, title=f"Story {n}", text=WORDS)
        db.session.add(StoryGovernance(story_id=story.id, scan_state="done", scanned_revision=story.revision or 0))
        start = WORDS.index("Marcus Bell")
        db.session.add(Redaction(story_id=story.id, start_char=start, end_char=start + len("Marcus Bell"),
                                 kind="PERSON", text="Marcus Bell", state="accepted"))
        ids.append(story.id)
    db.session.commit()
    return ids


def test_collecting_passages_reads_each_story_once_and_applies_its_redactions(app, users, count_queries):
    from themes.tasks import _collect_passages

    with app.app_context():
        reporter = db.session.get(User, users["reporter"].id)
        few, many = _stories(reporter, 5), _stories(reporter, 40)
        db.session.expire_all()
        with count_queries() as on_few:
            rows_few = _collect_passages(few)
        db.session.expire_all()
        with count_queries() as on_many:
            rows_many = _collect_passages(many)
    assert len(on_many) == len(on_few) <= 8, (len(on_few), len(on_many))
    texts = " ".join(r["text"] for r in rows_few + rows_many)
    assert "Marcus" not in texts and "Bell" not in texts and "flat near the station" in texts
    assert {r["story_id"] for r in rows_many} == set(many)


def test_words_changed_since_their_check_are_left_out_of_the_run(app, users):
    from themes.tasks import _collect_passages

    with app.app_context():
        reporter = db.session.get(User, users["reporter"].id)
        checked, changed = _stories(reporter, 2)
        db.session.get(StoryGovernance, changed).scanned_revision = 99  # the words moved on since
        db.session.commit()
        rows = _collect_passages([checked, changed])
    assert {r["story_id"] for r in rows} == {checked}
