"""Packs and present mode say who said a quote: Reporter, Storyteller or Speaker N, never a name
someone typed as a speaker label."""
from __future__ import annotations

from extensions import db
from stories.models import Story
from stories.speakers import quote_speaker
from tests.conftest import sign_in
from tests.workshops.helpers import workshop_data
from workshops import packs, planning


def _label(world, labels):
    story = db.session.get(Story, world["audio_story_ids"][0])
    for segment, label in zip(story.segments, labels):
        segment.speaker = label
    db.session.commit()
    return story


def test_a_quote_is_said_by_the_voice_with_the_most_time_in_it_and_never_by_a_typed_name(app_context, world):
    story = _label(world, ["Storyteller", "Sam Jones", "Speaker 4"])
    assert quote_speaker(story, 0.0, 2.8) == "Storyteller"
    assert quote_speaker(story, 3.0, 5.8) == "Speaker 1"  # the first other voice, as export json numbers it
    assert quote_speaker(story, 6.0, 8.8) == "Speaker 2"
    assert quote_speaker(story, 2.0, 5.0) == "Speaker 1"  # 0.8 s of the storyteller, 2 s of the next voice
    assert quote_speaker(story, None, None) is None


def test_present_mode_and_the_pack_say_who_speaks(app, client, users, world):
    with app.app_context():
        story = _label(world, ["Storyteller", "Sam Jones", "Reporter"])
        story_id = story.id
        workshop = planning.create_workshop(workshop_data(world))
        workshop_id = workshop.id
        content, _clips = packs.pack_content(workshop)
        said = {q["text"]: q["speaker"] for t in content["themes"] for q in t["quotes"] if q["story_id"] == str(story_id)}
        assert "Storyteller" in said.values() and "Speaker 1" in said.values(), said
        assert not any("Sam" in (s or "") for s in said.values())

        from engines.packs import normalise_content
        from engines.packs.viewer import render_viewer_html

        tidy = normalise_content(content, {name: __file__ for name in _clips})
        viewer = render_viewer_html(tidy)
        assert "Storyteller in story" in viewer and "Speaker 1 in story" in viewer and "Sam Jones" not in viewer
        content["themes"][0]["quotes"][0]["speaker"] = "Sam Jones"  # a name can never reach a pack
        assert normalise_content(content, {name: __file__ for name in _clips})["themes"][0]["quotes"][0]["speaker"] is None
    sign_in(client, users["facilitator"].email)
    page = client.get(f"/workshops/{workshop_id}/present").get_data(as_text=True)
    assert '<span class="quote-speaker">Storyteller</span>' in page
    assert '<span class="quote-speaker">Speaker 1</span>' in page and "Sam Jones" not in page
