"""#9 findings 3-7: what each role may open, read and hear follows the story's state (governance/policy.py)."""
import pytest

from core.timeutil import utcnow
from extensions import db
from governance import policy, services
from governance.freshness import story_fingerprint
from governance.models import Redaction, StoryGovernance
from stories.models import Story
from tests import factories
from tests.conftest import sign_in
from tests.workshops.helpers import audio_story, build_world, withdraw
from workshops import actions, packs, planning


def _checked(story, **state):
    db.session.add(StoryGovernance(story_id=story.id, scan_state="done", **state))
    db.session.commit()
    return story


def _story(users, as_user, **fields):
    return _checked(factories.make_story(as_user(users["reporter"]), text="Marigold waited three weeks.", **fields))


def _states(users, as_user) -> dict[str, int]:
    ok = _story(users, as_user)
    gone = _story(users, as_user)
    withdraw(gone)
    expired = _story(users, as_user)
    expired.current_consent.expires_on = utcnow().date().replace(year=2020)
    held = _checked(factories.make_story(as_user(users["reporter"]), text="Marigold waited."),
                    safeguarding_state="awaiting")
    restricted = _checked(factories.make_story(as_user(users["reporter"]), text="Marigold waited."),
                          safeguarding_state="restricted")
    pending = factories.make_story(as_user(users["reporter"]), text="Marigold waited.")
    db.session.add(StoryGovernance(story_id=pending.id, scan_state="pending"))
    no_consent = _checked(factories.make_story(as_user(users["reporter"]), scopes=None, text="Marigold waited."))
    db.session.commit()
    return {"ok": ok.id, "withdrawn": gone.id, "expired": expired.id, "held": held.id, "restricted": restricted.id,
            "pending": pending.id, "no_consent": no_consent.id}


@pytest.mark.parametrize("state", ["withdrawn", "expired", "held", "restricted", "pending", "no_consent"])
def test_finding_3_facilitators_cannot_open_a_story_out_of_use(app, users, as_user, state):
    with app.app_context():
        ids = _states(users, as_user)
    client = app.test_client()
    sign_in(client, users["facilitator"].email)
    assert client.get(f"/stories/{ids['ok']}").status_code == 200
    assert client.get(f"/api/v1/stories/{ids['ok']}").status_code == 200
    assert client.get(f"/stories/{ids[state]}").status_code == 404
    assert client.get(f"/api/v1/stories/{ids[state]}").status_code == 404
    assert client.get(f"/stories/{ids[state]}/redactions").status_code == 404
    listed = {s["id"] for s in client.get("/api/v1/stories").get_json()["stories"]}
    assert ids["ok"] in listed and ids[state] not in listed


def test_another_reporter_gets_404_as_for_a_story_that_does_not_exist(app, users, as_user):
    with app.app_context():
        story_id = _story(users, as_user).id
        factories.make_user("reporter", email="other-reporter@example.org")
    client = app.test_client()
    sign_in(client, "other-reporter@example.org")
    for path in ("/stories/{}", "/api/v1/stories/{}", "/stories/{}/redactions", "/stories/{}/consent/withdraw",
                 "/stories/{}/audio"):
        assert client.get(path.format(story_id)).status_code == client.get(path.format(99999)).status_code == 404, path


def test_finding_4_facilitators_never_read_undecided_suggestions(app, users, as_user):
    with app.app_context():
        story = _story(users, as_user)
        text = story.transcript_text
        db.session.add(Redaction(story_id=story.id, start_char=0, end_char=len("Marigold"), kind="name",
                                 text="Marigold", state="proposed"))
        db.session.commit()
        story_id = story.id
    facilitator, reporter = app.test_client(), app.test_client()
    sign_in(facilitator, users["facilitator"].email)
    sign_in(reporter, users["reporter"].email)
    page = facilitator.get(f"/stories/{story_id}/redactions")
    assert page.status_code == 200 and "Marigold" not in page.get_data(as_text=True)
    assert "[name] waited three weeks." in page.get_data(as_text=True)
    assert "Marigold" in reporter.get(f"/stories/{story_id}/redactions").get_data(as_text=True)
    with app.app_context():
        row_id = db.session.scalars(db.select(Redaction.id)).one()
    assert facilitator.post(f"/stories/{story_id}/redactions/{row_id}/reject").status_code == 403
    assert text.startswith("Marigold")


def _action_citing_quote(world, story_id):
    quote = world["quotes"][story_id][0]
    return actions.create_action({"title": "Bus fares paid up front", "story_ids": [story_id], "quote_ids": [quote]})


def test_finding_5_managers_neither_read_nor_hear_quotes_without_manager_view(app, users, as_user):
    with app.app_context():
        world = build_world(audio=1, text_stories=0)
        story = db.session.get(Story, world["audio_story_ids"][0])
        consent = story.current_consent
        consent.scope_rows = [s for s in consent.scope_rows if s.scope != "manager_view"]
        db.session.commit()
        action = _action_citing_quote(world, story.id)
        quote_id, action_id = world["quotes"][story.id][0], action.id
        version = story_fingerprint(story)  # present mode's clip addresses carry it
        words = "The bus to the office costs me four pounds"
    manager, facilitator = app.test_client(), app.test_client()
    sign_in(manager, users["manager"].email)
    sign_in(facilitator, users["facilitator"].email)
    assert words not in manager.get(f"/actions/{action_id}").get_data(as_text=True)
    assert words in facilitator.get(f"/actions/{action_id}").get_data(as_text=True)
    assert manager.get(f"/workshops/clips/{quote_id}.mp3?v={version}").status_code == 404
    assert facilitator.get(f"/workshops/clips/{quote_id}.mp3?v={version}").status_code == 200


@pytest.mark.slow
def test_finding_6_titles_notes_and_file_names_are_checked_and_hidden(app, users, as_user, nlp):
    with app.app_context():
        story = factories.make_story(as_user(users["reporter"]), title="What Marcus Pemberton told me",
                                     notes="Met Marcus Pemberton at Leeds station.", text="The bus was late again.",
                                     source_filename="marcus-pemberton.txt")
        services.scan_story(story.id, nlp=nlp)
        story_id = story.id
        shown = policy.redacted_title(db.session.get(Story, story_id))
    assert "Pemberton" not in shown and "[name]" in shown
    facilitator, reporter = app.test_client(), app.test_client()
    sign_in(facilitator, users["facilitator"].email)
    sign_in(reporter, users["reporter"].email)
    for path in (f"/stories/{story_id}", f"/api/v1/stories/{story_id}", "/stories", "/api/v1/stories"):
        body = facilitator.get(path).get_data(as_text=True)
        assert "Pemberton" not in body and "marcus-pemberton" not in body, path
    assert "Pemberton" in reporter.get(f"/stories/{story_id}").get_data(as_text=True)
    assert reporter.get(f"/api/v1/stories/{story_id}").get_json()["source_filename"] == "marcus-pemberton.txt"


def test_finding_7_pack_cards_print_words_only_with_quote_consent(app, users, as_user):
    with app.app_context():
        reporter = as_user(users["reporter"])
        world = build_world(audio=0, text_stories=2, reporter=reporter)
        quiet = db.session.get(Story, world["story_ids"][0])
        quiet.current_consent.scope_rows = [s for s in quiet.current_consent.scope_rows if s.scope != "quote"]
        db.session.commit()
        from tests.workshops.helpers import workshop_data

        workshop = planning.create_workshop(workshop_data(world), actor=as_user(users["facilitator"]))
        content, _ = packs.pack_content(workshop)
        cards = {int(s["id"]): s for s in content["stories"]}
        assert cards[quiet.id]["excerpt"] == "" and cards[quiet.id]["title"]
        assert "food and the fare" in cards[world["story_ids"][1]]["excerpt"]
        assert all(int(q["story_id"]) != quiet.id for t in content["themes"] for q in t["quotes"])


def test_only_facilitators_and_admins_change_an_action_status(app, users, as_user):
    with app.app_context():
        action = actions.create_action({"title": "Free bus passes"})
        nobody = factories.make_user("reporter")
        nobody.roles = []
        db.session.commit()
        for actor in (None, nobody, as_user(users["manager"])):
            with pytest.raises(PermissionError):
                actions.add_update(action, actor=actor, status="agreed")
        actions.add_update(action, actor=as_user(users["facilitator"]), status="agreed")


def test_withdrawal_is_decided_in_one_place(app, users, as_user):
    with app.app_context():
        story = _story(users, as_user)
        assert policy.may_withdraw(as_user(users["reporter"]), story)
        assert policy.may_withdraw(as_user(users["admin"]), story)
        for role in ("facilitator", "manager", "safeguarding_lead"):
            assert not policy.may_withdraw(as_user(users[role]), story)
        story_id = story.id
    runner = app.test_cli_runner()
    result = runner.invoke(args=["consent", "withdraw", str(story_id), "--by", users["facilitator"].email])
    assert result.exit_code == 1
    client = app.test_client()
    sign_in(client, users["facilitator"].email)
    assert client.get(f"/stories/{story_id}/consent/withdraw").status_code == 403
