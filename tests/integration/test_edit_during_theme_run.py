"""Bad input: a reporter saves an edit while the theme job runs. The edit is kept, and the run never
holds passages cut from the words as they were before the edit (the story is read again, or left
for the next run while its new words wait for their check)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from extensions import db
from stories.models import Story
from stories.transcript import save_transcript
from tests.integration.helpers import audit_count, discovery_job, user
from tests.themes.helpers import add_corpus_stories, corpus
from themes.models import Passage, ThemeRun

NEW_WORDS = "The library lent me a laptop so I could fill in the housing forms myself."


@pytest.mark.slow
def test_an_edit_saved_while_the_theme_job_runs_is_kept_and_the_run_holds_only_the_new_words(app, users):
    from themes.tasks import discover

    with app.app_context():
        reporter, facilitator = user(users["reporter"]), user(users["facilitator"])
        ids = add_corpus_stories(reporter, corpus()["stories"][:14])
        edited_id = ids[min(ids)]
        story = db.session.get(Story, edited_id)
        old_words = story.segments[0].text
        run, job = discovery_job(facilitator)
        edits = []

        def report(percent, message=""):
            if percent == 55 and not edits:  # the stories were read; the model is about to run
                story = db.session.get(Story, edited_id)
                save_transcript(story, [{"id": story.segments[0].id, "text": NEW_WORDS}], story.revision, reporter)
                edits.append(edited_id)

        result = discover(job, report)
        assert edits == [edited_id]
        assert db.session.get(Story, edited_id).segments[0].text == NEW_WORDS  # nothing saved is lost
        run = db.session.get(ThemeRun, result["run_id"])
        assert run.status == "done"
        texts = " ".join(db.session.scalars(select(Passage.text).where(Passage.run_id == run.id,
                                                                         Passage.story_id == edited_id)))
        assert old_words[:40] not in texts, "the run holds words the reporter replaced while it ran"
        if edited_id in run.story_ids:
            assert "library lent me a laptop" in texts
        assert audit_count("theme_run.stories_changed", run.id) == 1
