"""Find and replace: a preview of every match first, one version per story, the replaced words
untimed and re-aligned by `stories.align`, the story held for the governance check, and undo."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from accounts.models import User
from extensions import db
from governance.models import StoryGovernance
from jobs.models import Job
from stories.models import Story, TranscriptVersion
from tests.conftest import sign_in
from tests.factories import make_story, make_user

FIRST = "I went to the mapper meeting on Monday and the mapper officer was kind."
SECOND = "Later the mapper people rang me. Mappers are not the same thing."


def _timed(text: str, start: float) -> list[dict]:
    return [{"text": t, "start": start + i * 0.4, "end": start + i * 0.4 + 0.3, "probability": 0.9}
            for i, t in enumerate(text.split())]


def _setup(app) -> dict:
    with app.app_context():
        reporter = make_user("reporter", email="reporter@example.org")
        make_user("facilitator", email="facilitator@example.org")
        story = make_story(reporter, title="Meetings", sentences=[FIRST, SECOND])
        for segment in story.segments:
            segment.words = _timed(segment.text, segment.start)
        from stories.transcript import _snapshot

        _snapshot(story, "machine", None)  # as the transcription job leaves it
        other = make_story(reporter, title="Typed", text="The mapper form was long.")
        db.session.add(StoryGovernance(story_id=story.id, scan_state="done", scanned_revision=story.revision))
        db.session.commit()
        return {"story": story.id, "other": other.id, "revision": story.revision}


def _client(app, who: str = "reporter"):
    client = app.test_client()
    sign_in(client, f"{who}@example.org")
    return client


def _story(app, story_id):
    with app.app_context():
        story = db.session.get(Story, story_id)
        return story, [dict(text=s.text, words=list(s.words or [])) for s in story.segments]


def test_the_preview_shows_every_whole_word_match_in_context_and_changes_nothing(queued_app):
    ids = _setup(queued_app)
    client = _client(queued_app)
    page = client.get(f"/stories/replace?story={ids['story']}&find=mapper&replace=MAPPA").get_data(as_text=True)
    assert "3 matches" in page  # "Mappers" is another word
    assert page.count('name="chosen"') == 3
    assert "<del>mapper</del><ins>MAPPA</ins> meeting on Monday" in page
    everywhere = client.get("/stories/replace?find=mapper&replace=MAPPA").get_data(as_text=True)
    assert "4 matches" in everywhere and "Typed" in everywhere
    with queued_app.app_context():
        assert db.session.get(Story, ids["story"]).revision == ids["revision"]
        assert db.session.scalars(select(Job)).all() == []


def test_replacing_the_ticked_matches_untimes_only_the_new_words_and_holds_the_story_for_alignment(queued_app):
    ids = _setup(queued_app)
    _, before = _story(queued_app, ids["story"])
    client = _client(queued_app)
    with queued_app.app_context():
        story = db.session.get(Story, ids["story"])
        keys = [f"{ids['story']}:{s.id}:{s.text.index('mapper')}" for s in story.segments]  # not the 2nd in part 1
    page = client.post("/stories/replace", data={"find": "mapper", "replace": "MAPPA", "story": ids["story"],
                                                 f"rev-{ids['story']}": ids["revision"], "chosen": keys})
    assert page.status_code == 200 and "Replaced in 1 story" in page.get_data(as_text=True)
    story, after = _story(queued_app, ids["story"])
    assert after[0]["text"] == FIRST.replace("mapper", "MAPPA", 1)
    assert after[1]["text"] == SECOND.replace("mapper", "MAPPA", 1)
    for old, new in zip(before, after):
        for was, now in zip(old["words"], new["words"]):
            if now["text"] == "MAPPA":
                assert now["start"] is None and now["edited"]
            else:
                assert (now["start"], now["end"]) == (was["start"], was["end"])
    with queued_app.app_context():
        versions = db.session.scalars(select(TranscriptVersion).where(TranscriptVersion.story_id == ids["story"])
                                      .order_by(TranscriptVersion.number)).all()
        assert versions[-1].kind == "replace" and "MAPPA" not in versions[-1].note and "mapper" not in versions[-1].note
        assert db.session.get(StoryGovernance, ids["story"]).scan_state == "pending"  # held until the check
        jobs = db.session.scalars(select(Job)).all()
        assert [(j.kind, j.story_id) for j in jobs] == [("stories.align", ids["story"])]
        assert "MAPPA" not in db.session.get(Story, ids["other"]).transcript_text  # only the story asked for


def test_undo_brings_back_the_words_and_their_times_and_checks_them_again(queued_app):
    ids = _setup(queued_app)
    _, before = _story(queued_app, ids["story"])
    client = _client(queued_app)
    with queued_app.app_context():
        keys = [f"{ids['story']}:{s.id}:{s.text.index('mapper')}" for s in db.session.get(Story, ids["story"]).segments]
    client.post("/stories/replace", data={"find": "mapper", "replace": "MAPPA", "story": ids["story"],
                                          f"rev-{ids['story']}": ids["revision"], "chosen": keys})
    shown = client.get(f"/stories/{ids['story']}").get_data(as_text=True)
    assert "Undo the last find and replace" in shown
    story, _ = _story(queued_app, ids["story"])
    undone = client.post("/stories/replace/undo", data={"story": ids["story"], "undo": f"{ids['story']}:{story.revision}"},
                         follow_redirects=True)
    assert "Undone" in undone.get_data(as_text=True), re.findall(r"flash-\w+\">[^<]*", undone.get_data(as_text=True))
    _, after = _story(queued_app, ids["story"])
    assert after == before
    with queued_app.app_context():
        assert db.session.get(StoryGovernance, ids["story"]).scan_state == "pending"
        kinds = [j.kind for j in db.session.scalars(select(Job).order_by(Job.id))]
        assert kinds == ["stories.align", "governance.scan"]
        newest = db.session.scalars(select(TranscriptVersion).where(TranscriptVersion.story_id == ids["story"])
                                    .order_by(TranscriptVersion.number.desc())).first()
        assert newest.kind == "restore"
    again = client.post("/stories/replace/undo", data={"story": ids["story"], "undo": f"{ids['story']}:{story.revision}"},
                        follow_redirects=True)
    assert "cannot be undone" in again.get_data(as_text=True)


def test_a_replace_from_a_preview_made_before_another_save_changes_nothing(queued_app):
    ids = _setup(queued_app)
    client = _client(queued_app)
    with queued_app.app_context():
        story = db.session.get(Story, ids["story"])
        key = f"{ids['story']}:{story.segments[0].id}:{FIRST.index('mapper')}"
    page = client.post("/stories/replace", data={"find": "mapper", "replace": "MAPPA", "story": ids["story"],
                                                 f"rev-{ids['story']}": ids["revision"] - 1, "chosen": [key]})
    assert "changed after the preview" in page.get_data(as_text=True)
    story, after = _story(queued_app, ids["story"])
    assert after[0]["text"] == FIRST and story.revision == ids["revision"]


def test_only_the_stories_reporter_and_admins_find_and_replace(queued_app):
    ids = _setup(queued_app)
    client = _client(queued_app, "facilitator")
    assert client.get(f"/stories/replace?story={ids['story']}&find=mapper").status_code in (403, 404)
    assert client.post("/stories/replace", data={"find": "mapper", "replace": "x", "story": ids["story"],
                                                 "chosen": [f"{ids['story']}:1:0"]}).status_code in (403, 404)
    with queued_app.app_context():
        someone = make_user("reporter", email="someone@example.org")
        assert someone.id != db.session.scalar(select(User.id).where(User.email == "reporter@example.org"))
    other = queued_app.test_client()
    sign_in(other, "someone@example.org")
    assert other.get(f"/stories/replace?story={ids['story']}&find=mapper").status_code == 404
    assert "mapper" not in other.get("/stories/replace?find=mapper").get_data(as_text=True).lower().replace(
        'value="mapper"', "").replace("“mapper”", "")


@pytest.mark.slow
def test_a_replaced_word_is_found_in_the_recording_and_the_story_checked_again(app, users, tmp_path):
    """Real Whisper, real alignment, real check (jobs inline): the replacement gets the times it is spoken at."""
    import io

    from stories.replace import find_matches, replace_in_story
    from stories.services import create_audio_story
    from tests.stories.conftest import SENTENCE, speak

    wav = speak(SENTENCE, tmp_path / "bus.wav")
    with app.app_context():
        reporter = db.session.get(User, users["reporter"].id)
        story = create_audio_story(io.BytesIO(wav.read_bytes()), "bus.wav",
                                   {"title": "Bus fares", "storyteller_role": "service_user"},
                                   {"scopes": ["analysis"], "method": "written"}, reporter)
        story = db.session.get(Story, story.id)
        assert find_matches([story], "probation"), story.transcript_text
        replace_in_story(story, "probation", "MAPPA", story.revision, reporter)
        story = db.session.get(Story, story.id)
        [word] = [w for s in story.segments for w in s.words if w["text"].startswith("MAPPA")]
        spoken = [w for s in story.segments for w in s.words if w["text"].lower().startswith(("the", "office"))]
        assert word.get("aligned") and word["start"] is not None, word
        assert spoken[0]["start"] <= word["start"] <= spoken[-1]["end"], (word, spoken)
        align = db.session.scalars(select(Job).where(Job.kind == "stories.align")).one()
        assert align.status == "succeeded", align.error
        assert db.session.get(StoryGovernance, story.id).scan_state == "done"
