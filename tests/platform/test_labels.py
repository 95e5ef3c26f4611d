"""Coded columns read in plain words (core/labels.py), and a code with no words reads as itself."""
from governance.models import Redaction, StoryGovernance
from stories.models import Story
from workshops.models import ActionEvidence, DesignAction


def test_each_coded_column_reads_in_plain_words_and_an_unknown_code_as_itself(app):
    with app.app_context():
        story = Story(status="needs_review", storyteller_role="peer_mentor")
        gov = StoryGovernance(safeguarding_state="awaiting", scan_state="no-such-state")
        assert story.status_label == "Needs checking" and story.role_label == "Peer mentor"
        assert gov.safeguarding_label == "Waiting for the safeguarding lead" and gov.scan_label == "no-such-state"
        assert Redaction(state="accepted").state_label == "Hidden"
        assert DesignAction(status="in_progress").status_label == "In progress"
        story.status = "ready"
        assert story.status_label == "Checked and ready"  # read when asked, not when made


def test_a_design_action_lists_the_ids_it_cites_by_kind(app):
    with app.app_context():
        action = DesignAction(evidence=[ActionEvidence(kind=kind, ref_id=ref) for kind, ref in
                                        [("theme", 3), ("story", 4), ("quote", 7), ("theme", 5), ("chosen", 9)]])
        assert (action.theme_ids, action.story_ids, action.quote_ids, action.chosen_quote_ids) == ([3, 5], [4], [7], [9])


def test_a_count_reads_in_plain_words_with_one_and_many(app):
    from flask import render_template_string

    with app.test_request_context():
        said = render_template_string("{{ 1|count_of('passage') }}; {{ 3|count_of('passage') }}; "
                                      "{{ 0|count_of('story', 'stories') }}; {{ [1]|count_of('story', 'stories') }}")
    assert said == "1 passage; 3 passages; 0 stories; 1 story"
