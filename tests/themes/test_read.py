"""The theme read API (themes/read.py): one way to follow merges and count a theme, for every page."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from accounts.models import User
from extensions import db
from stories.models import Story
from tests.workshops.helpers import build_world
from themes import board, read
from themes.models import Theme, ThemeRun


@pytest.fixture
def world(app, users):
    with app.app_context():  # open for the whole test
        yield build_world(reporter=db.session.get(User, users["reporter"].id))


def _board_counts(world, users) -> dict:
    run = db.session.get(ThemeRun, world["run_id"])
    viewer = board.viewer_for(db.session.get(User, users["facilitator"].id))
    return {row["theme_id"]: row["stories"] for row in board.prevalence(run, viewer)["rows"]}


def test_a_story_whose_consent_lapsed_leaves_workshop_prevalence_as_it_leaves_the_board(world, users):
    lapsed = db.session.get(Story, world["story_ids"][0])
    lapsed.current_consent.expires_on = date.today() - timedelta(days=1)  # no withdrawal hook runs for this
    db.session.commit()
    on_board = _board_counts(world, users)
    for theme_id in world["theme_ids"]:
        counted = read.prevalence(db.session.get(Theme, theme_id))
        assert lapsed.id not in counted["story_ids"]
        assert counted["story_count"] == on_board.get(theme_id, 0)


def test_a_merged_theme_counts_for_the_theme_it_was_merged_into(world, users):
    first, second, third = (db.session.get(Theme, t) for t in world["theme_ids"])
    before = set(read.prevalence(first)["story_ids"]) | set(read.prevalence(second)["story_ids"]) \
        | set(read.prevalence(third)["story_ids"])
    third.merged_into_id = second.id  # a merge of a merge: third -> second -> first
    second.merged_into_id = first.id
    db.session.commit()
    assert read.theme_family(first) == {first.id, second.id, third.id}
    assert read.final_theme(third).id == first.id
    assert set(read.prevalence(first)["story_ids"]) == before
    assert _board_counts(world, users)[first.id] == len(before)


def test_quote_text_is_the_redacted_text_of_governance(world):
    from governance import policy
    from themes.models import Passage

    passage = db.session.get(Passage, world["quotes"][world["story_ids"][0]][0])
    assert read.quote_text(passage) == policy.redacted_passage_text(passage)
