"""Design actions: recording, evidence within consent, timeline, locking, dashboard, CSV, API, outcomes."""
from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

import pytest

from extensions import db
from stories.models import Story
from tests.conftest import sign_in
from tests.workshops.helpers import withdraw, workshop_data
from themes.models import Passage
from workshops import actions as action_rules
from workshops import dashboard, errors, evidence, planning
from workshops.models import DesignAction


@pytest.fixture
def workshop_id(app, world):
    with app.app_context():
        return planning.create_workshop(workshop_data(world)).id


def _action(world, workshop_id, **overrides):
    data = {"title": "Pay bus fares up front", "description": "People get a bus pass at their first appointment.",
            "workshop_id": workshop_id, "owner": "Office manager", "due_date": date.today() + timedelta(days=30),
            "status": "agreed", "proposed_by": "Sam, peer mentor", "disagreement": "Jo thought passes get sold on.",
            "theme_ids": world["theme_ids"][:1], "story_ids": world["audio_story_ids"],
            "quotes": world["quotes"][world["audio_story_ids"][0]][:1]}
    data.update(overrides)
    return action_rules.create_action(data)


def test_facilitator_records_an_action_citing_quotes(app, client, users, world, workshop_id):
    sign_in(client, users["facilitator"].email)
    form = client.get(f"/workshops/{workshop_id}/actions/new").get_data(as_text=True)
    quote = world["quotes"][world["audio_story_ids"][0]][0]
    assert f'value="{quote}"' in form and "<audio controls" in form
    response = client.post(f"/workshops/{workshop_id}/actions/new", data={
        "title": "Bus passes at the first appointment", "description": "Nobody pays to come to probation.",
        "owner": "Office manager", "due_date": "2030-01-31", "status": "agreed", "proposed_by": "Sam (peer mentor)",
        "disagreement": "One manager worried about cost.", "theme_ids": world["theme_ids"][0],
        "story_ids": world["audio_story_ids"][0], "quotes": quote})
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        action = db.session.scalars(db.select(DesignAction)).one()
        assert action.quote_ids == [quote] and action.story_ids == [world["audio_story_ids"][0]]
        assert action.updates[0].kind == "created"
    page = client.get(f"/actions/{action.id}").get_data(as_text=True)
    assert "The bus to the office costs me four pounds 0." in page
    assert "One manager worried about cost." in page and "Sam (peer mentor)" in page


def test_dropping_needs_a_reason(app, world, workshop_id):
    with app.app_context():
        with pytest.raises(errors.WorkshopError, match="why"):
            _action(world, workshop_id, status="dropped")
        action = _action(world, workshop_id, status="dropped", status_reason="No budget this year")
        assert action.status_reason == "No budget this year"


def _late_action(app, world, workshop_id) -> int:
    with app.app_context():
        late = _action(world, workshop_id, title="Late one", due_date=date.today() - timedelta(days=3)).id
        _action(world, workshop_id, title="On time one")
        _action(world, workshop_id, title="Done late", status="done", due_date=date.today() - timedelta(days=9))
    return late


def test_managers_filter_the_overdue_actions_beside_the_summary_charts(app, auth, client, world, workshop_id):
    _late_action(app, world, workshop_id)
    auth.login("manager")
    page = client.get("/actions?due=overdue").get_data(as_text=True)
    assert "Late one" in page and "On time one" not in page and "Done late" not in page
    assert "is-overdue" in page and "Overdue:" in page
    assert "<svg" in page and "Actions by status" in page and "Themes with stories but no action yet" in page


def test_managers_read_and_hear_the_evidence_of_an_action(app, auth, client, world, workshop_id):
    late = _late_action(app, world, workshop_id)
    auth.login("manager")
    evidence = client.get(f"/actions/{late}").get_data(as_text=True)
    assert "Theme: Getting to appointments" in re.sub(r"<[^>]+>", "", evidence) and "Found in" in evidence
    assert "four pounds 0." in evidence and "<audio controls" in evidence


def test_managers_comment_on_an_action_but_do_not_change_its_status(app, auth, client, world, workshop_id):
    late = _late_action(app, world, workshop_id)
    auth.login("manager")
    assert client.post(f"/actions/{late}/updates", data={"comment": "Any news?"}).status_code == 302
    assert client.post(f"/actions/{late}/updates", data={"status": "done", "comment": "x"}).status_code == 403
    assert "Any news?" in client.get(f"/actions/{late}").get_data(as_text=True)


def test_managers_read_only_stories_shared_with_them(app, client, users, world, workshop_id):
    with app.app_context():
        story = db.session.get(Story, world["audio_story_ids"][1])
        consent = story.current_consent
        consent.scope_rows = [row for row in consent.scope_rows if row.scope != "manager_view"]
        db.session.commit()
        action_id = _action(world, workshop_id, story_ids=[story.id]).id
        title = story.title
    sign_in(client, users["manager"].email)
    page = client.get(f"/actions/{action_id}").get_data(as_text=True)
    assert title not in page and "did not agree to managers reading it" in page


def test_an_erased_quote_leaves_a_placeholder(app, client, users, world, workshop_id):
    with app.app_context():
        action = _action(world, workshop_id)
        action_id, quote = action.id, action.quote_ids[0]
        story = db.session.get(Story, world["audio_story_ids"][0])
        db.session.delete(story)  # erasure: the story and its passages go
        db.session.commit()
        assert db.session.get(Passage, quote) is None
        action = db.session.get(DesignAction, action_id)
        assert action.quote_ids == [quote]  # the citation stays
        action_rules.update_action(action, {"owner": "Someone else"}, expected_version=action.version)
        assert db.session.get(DesignAction, action_id).quote_ids == [quote]
    sign_in(client, users["manager"].email)
    page = client.get(f"/actions/{action_id}").get_data(as_text=True)
    assert "Evidence withdrawn" in page and "four pounds 0." not in page


def test_a_withdrawn_story_is_withdrawn_evidence_too(app, client, users, world, workshop_id):
    with app.app_context():
        action_id = _action(world, workshop_id).id
        withdraw(db.session.get(Story, world["audio_story_ids"][0]))
    sign_in(client, users["facilitator"].email)
    page = client.get(f"/actions/{action_id}").get_data(as_text=True)
    assert "Evidence withdrawn" in page and "four pounds 0." not in page


def test_two_facilitators_editing_the_same_action(app, client, users, world, workshop_id):
    with app.app_context():
        action = _action(world, workshop_id)
        action_id, version = action.id, action.version
    first, second = app.test_client(), app.test_client()
    sign_in(first, users["facilitator"].email)
    sign_in(second, users["admin"].email)
    base = {"title": "Pay bus fares up front", "status": "agreed", "owner": "Office manager",
            "theme_ids": world["theme_ids"][0], "version": version}
    assert first.post(f"/actions/{action_id}/edit", data={**base, "owner": "Alex"}).status_code == 302
    response = second.post(f"/actions/{action_id}/edit", data={**base, "description": "My careful words"})
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Someone else saved this action" in page and "My careful words" in page and "Alex" in page
    with app.app_context():
        saved = db.session.get(DesignAction, action_id)
        assert saved.owner == "Alex" and saved.description != "My careful words"
        new_version = saved.version
    # saving again from the conflict page is deliberate and works
    assert second.post(f"/actions/{action_id}/edit",
                       data={**base, "owner": "Alex", "description": "My careful words", "version": new_version}).status_code == 302


def test_status_changes_are_kept_as_a_timeline(app, users, world, workshop_id):
    from accounts.models import User

    with app.app_context():
        action = _action(world, workshop_id)
        facilitator = db.session.get(User, users["facilitator"].id)
        action_rules.add_update(action, actor=facilitator, status="in_progress", comment="Budget found")
        action_rules.add_update(action, actor=facilitator, comment="Passes ordered")
        with pytest.raises(errors.EditConflict):
            action_rules.add_update(action, actor=facilitator, comment="stale", expected_version=1)
        kinds = [(u.kind, u.from_status, u.to_status, u.comment) for u in action.updates]
        assert kinds[1:] == [("status", "agreed", "in_progress", "Budget found"), ("comment", "", "", "Passes ordered")]


def test_a_status_change_by_no_one_or_by_a_manager_is_refused(app, users, world, workshop_id):
    from accounts.models import User

    with app.app_context():
        action = _action(world, workshop_id)
        manager = db.session.get(User, users["manager"].id)
        for actor in (None, manager):
            with pytest.raises(errors.NotAllowed):
                action_rules.add_update(action, actor=actor, status="done", comment="Finished")
        assert action.status == "agreed"


def test_csv_export_follows_the_filters(app, client, users, world, workshop_id):
    with app.app_context():
        _action(world, workshop_id, title="=HYPERLINK(\"x\")", status="proposed")
        _action(world, workshop_id, title="Agreed one")
    sign_in(client, users["manager"].email)
    response = client.get("/actions.csv?status=proposed")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][0] == "id" and len(rows) == 2
    assert rows[1][1].startswith("'=")  # never a live formula


def _api_workshop(client, world) -> dict:
    response = client.post("/api/v1/workshops", json={
        "title": "API workshop", "date": "2030-05-01", "theme_run_id": world["run_id"],
        "theme_ids": world["theme_ids"], "story_ids": world["story_ids"],
        "prompts": {str(world["theme_ids"][0]): ["What would we do differently?"]}})
    assert response.status_code == 201, response.json
    return response.json


def _api_action(client, world, workshop_id) -> dict:
    quote = world["quotes"][world["audio_story_ids"][0]][0]
    response = client.post("/api/v1/actions", json={
        "title": "Evening appointments", "description": "People who work can still come.",
        "workshop_id": workshop_id, "owner": "Team lead", "due_date": "2020-01-01", "status": "agreed",
        "theme_ids": world["theme_ids"][:1], "story_ids": world["audio_story_ids"][:1], "quotes": [quote]})
    assert response.status_code == 201, response.json
    return response.json


def test_the_api_plans_a_workshop_with_its_prompts(auth, client, world):
    auth.login("facilitator")
    workshop = _api_workshop(client, world)
    assert workshop["id"] and workshop["prompts"][str(world["theme_ids"][0])] == ["What would we do differently?"]


def test_the_api_refuses_a_workshop_without_stories_and_says_why(auth, client, world):
    auth.login("facilitator")
    bad = client.post("/api/v1/workshops", json={"title": "No stories", "theme_run_id": world["run_id"],
                                                 "theme_ids": world["theme_ids"], "story_ids": []})
    assert bad.status_code == 422 and "story" in bad.json["message"]


def test_the_api_records_an_action_and_lists_it_by_status_and_theme(auth, client, world):
    auth.login("facilitator")
    action = _api_action(client, world, _api_workshop(client, world)["id"])
    assert action["quotes"] == [world["quotes"][world["audio_story_ids"][0]][0]] and action["overdue"] is True
    listed = client.get(f"/api/v1/actions?status=agreed&theme_id={world['theme_ids'][0]}").json
    assert [a["id"] for a in listed] == [action["id"]]
    assert client.get("/api/v1/actions?status=done").json == []


def test_the_api_changes_status_with_a_comment_and_refuses_a_stale_version(auth, client, world):
    auth.login("facilitator")
    action = _api_action(client, world, _api_workshop(client, world)["id"])
    patched = client.patch(f"/api/v1/actions/{action['id']}", json={"status": "in_progress", "comment": "Started"})
    assert patched.status_code == 200 and patched.json["status"] == "in_progress"
    assert patched.json["updates"][-1]["comment"] == "Started"
    stale = client.patch(f"/api/v1/actions/{action['id']}", json={"comment": "old view", "version": 1})
    assert stale.status_code == 409


def test_managers_comment_through_the_api_but_change_no_status_and_record_no_action(auth, client, world):
    auth.login("facilitator")
    action = _api_action(client, world, _api_workshop(client, world)["id"])
    auth.logout()
    auth.login("manager")
    assert client.patch(f"/api/v1/actions/{action['id']}", json={"status": "done"}).status_code == 403
    assert client.patch(f"/api/v1/actions/{action['id']}", json={"comment": "Thanks"}).status_code == 200
    assert client.post("/api/v1/actions", json={"title": "x"}).status_code == 403


def test_story_page_partial_shows_what_came_of_it(app, users, world, workshop_id):
    from flask import render_template_string
    from flask_login import login_user

    from accounts.models import User

    with app.app_context():
        _action(world, workshop_id, title="Bus passes for all")
        story = db.session.get(Story, world["audio_story_ids"][0])
        other = db.session.get(Story, world["story_ids"][-1])
        outcomes = evidence.story_outcomes(story.id)
        assert [w.id for w in outcomes["workshops"]] == [workshop_id]
        assert [a.title for a in outcomes["actions"]] == ["Bus passes for all"]
        with app.test_request_context():
            login_user(db.session.get(User, users["reporter"].id))
            html = render_template_string('{% include "workshops/_story_outcomes.html" ignore missing %}', story=story)
            assert "What came of this story" in html and "Bus passes for all" in html
            assert "Getting here and staying housed" in html
            html = render_template_string('{% include "workshops/_story_outcomes.html" %}', story=other)
            assert "Bus passes for all" not in html


def test_export_json_has_workshops_and_actions(app, world, workshop_id):
    from core.export import build_export_document

    with app.app_context():
        action = _action(world, workshop_id)
        document = build_export_document()
    assert document["workshops"][0]["id"] == workshop_id
    assert document["workshops"][0]["story_ids"] == sorted(world["story_ids"])
    import json

    import jsonschema

    from tests.conftest import ROOT

    schema = json.loads((ROOT / "docs" / "export.schema.json").read_text())
    jsonschema.validate(json.loads(json.dumps(document, default=str)), schema)
    exported = document["actions"][0]
    assert exported["id"] == action.id and exported["quotes"] == action.quote_ids
    assert exported["theme_ids"] == world["theme_ids"][:1]


def test_overdue_filter_in_the_database(db_app, db_users):
    from tests.workshops.helpers import build_world

    with db_app.app_context():
        world = build_world(audio=0, text_stories=2)
        ws = planning.create_workshop(workshop_data(world)).id
        action_rules.create_action({"title": "Late", "workshop_id": ws, "due_date": date.today() - timedelta(days=1),
                                "theme_ids": world["theme_ids"][:1], "owner": "Pat Smith"})
        action_rules.create_action({"title": "Fine", "workshop_id": ws, "due_date": date.today() + timedelta(days=1)})
        late = db.session.scalars(dashboard.filter_actions(due="overdue")).all()
        assert [a.title for a in late] == ["Late"]
        assert [a.title for a in db.session.scalars(dashboard.filter_actions(owner="smith"))] == ["Late"]
        assert [a.title for a in db.session.scalars(dashboard.filter_actions(theme_id=world["theme_ids"][0]))] == ["Late"]
