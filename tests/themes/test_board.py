"""Reshaping themes, the board, prevalence, codes, API, CLI and export, on hand-made runs (no model)."""
import json

import pytest
from sqlalchemy import select

from accounts.models import User
from audit.models import AuditEntry
from extensions import db
from tests import factories
from tests.conftest import sign_in
from tests.themes.helpers import make_run_by_hand, withdraw_consent
from themes import services
from themes.board import prevalence, viewer_for
from themes.models import Passage, Theme, ThemeRun


@pytest.fixture
def board(app, users):
    """A finished run: three themes over four stories (one without manager_view consent)."""
    with app.app_context():
        reporter = db.session.get(User, users["reporter"].id)
        s1 = factories.make_story(reporter, title="Housing story", role="service_user")
        s2 = factories.make_story(reporter, title="Staff story", role="staff")
        s3 = factories.make_story(reporter, title="Mentor story", role="peer_mentor",
                                  scopes=("analysis", "workshop", "quote"))
        s4 = factories.make_story(reporter, title="No quote story", role="service_user", scopes=("analysis", "manager_view"))
        run = make_run_by_hand({
            "Housing": [(s1, "The hostel gave me notice."), (s2, "Clients sleep rough after release."),
                        (s4, "The council never rang back about my flat.")],
            "Money": [(s1, "My benefits stopped for six weeks."), (s3, "I help lads fill in the forms."),
                      (s2, "Debt comes up in every appointment.")],
            "Trust": [(s3, "He listened to me, that was new."), (s1, "She remembered my kids' names.")],
        })
        return {"run": run.id, "stories": [s1.id, s2.id, s3.id, s4.id],
                "themes": {t.label: t.id for t in run.themes}}


def _theme(board, label):
    return db.session.get(Theme, board["themes"][label])


def test_rename_writes_audit_and_refuses_a_stale_version(app, users, board):
    with app.app_context():
        facilitator = db.session.get(User, users["facilitator"].id)
        theme = _theme(board, "Housing")
        services.rename_theme(theme, label="Somewhere to live", description="A safe place", expected_version=1,
                              actor=facilitator, reason="the room's words")
        assert theme.version == 2 and theme.renamed_by_people and theme.machine_label == "Housing"
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "theme.renamed"))
        assert entry.actor_label == users["facilitator"].email and entry.after["reason"] == "the room's words"
        with pytest.raises(services.EditConflict, match="Somewhere to live"):
            services.rename_theme(theme, label="Housing again", expected_version=1, actor=facilitator)
        assert db.session.get(Theme, theme.id).label == "Somewhere to live"


def test_two_people_saving_at_once_loses_neither_silently(app, users, board):
    """Both loaded version 1; the second commit hits the version column and is refused."""
    with app.app_context():
        theme = _theme(board, "Money")
        from sqlalchemy import update

        # Another person's save lands between this person's read and write.
        db.session.execute(update(Theme).where(Theme.id == theme.id).values(label="Benefits", version=2))
        with pytest.raises(services.EditConflict):
            services.rename_theme(theme, label="Money worries", expected_version=1)
        assert db.session.get(Theme, theme.id).label == "Benefits"


def test_a_stale_rename_on_the_theme_page_says_someone_else_changed_it(app, users, board):
    client = app.test_client()
    sign_in(client, users["facilitator"].email)
    tid = board["themes"]["Trust"]
    edit = {"label": "Being listened to", "description": "", "version": "1", "reason": ""}
    assert client.post(f"/themes/t/{tid}/edit", data=edit).status_code == 302
    stale = client.post(f"/themes/t/{tid}/edit", data={**edit, "label": "Trust"}, follow_redirects=True)
    assert "Someone else changed this theme" in stale.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Theme, tid).label == "Being listened to"


def test_api_patch_uses_version_and_answers_409(app, users, board):
    client = app.test_client()
    sign_in(client, users["facilitator"].email)
    tid = board["themes"]["Trust"]
    ok = client.patch(f"/api/v1/themes/{tid}", json={"label": "Being listened to", "version": 1})
    assert ok.status_code == 200 and ok.get_json()["version"] == 2
    stale = client.patch(f"/api/v1/themes/{tid}", json={"label": "Trust", "version": 1})
    assert stale.status_code == 409 and "Someone else" in stale.get_json()["message"]
    sign_in(reader := app.test_client(), users["manager"].email)
    assert reader.patch(f"/api/v1/themes/{tid}", json={"label": "x", "version": 2}).status_code == 403


def test_merge_split_move_pin_off_topic_and_note(app, users, board):
    with app.app_context():
        facilitator = db.session.get(User, users["facilitator"].id)
        housing, money, trust = (_theme(board, label) for label in ("Housing", "Money", "Trust"))
        services.merge_themes(trust, money, actor=facilitator, reason="same conversation")
        run = db.session.get(ThemeRun, board["run"])
        assert [t.label for t in services.visible_themes(run)] == ["Housing", "Money"]
        assert len([p for p in run.passages if p.theme_id == money.id]) == 5
        ids = [p.id for p in run.passages if p.theme_id == money.id][:2]
        new = services.split_theme(money, ids, label="Forms and benefits", actor=facilitator)
        assert new.origin == "human" and {p.id for p in run.passages if p.theme_id == new.id} == set(ids)
        passage = next(p for p in run.passages if p.theme_id == housing.id)
        services.move_passage(passage, money, actor=facilitator)
        assert passage.moved_by_people and passage.machine_theme_id == housing.id
        services.set_pinned(passage, True, actor=facilitator)
        other = next(p for p in run.passages if p.theme_id == housing.id)
        services.set_off_topic(other, True, actor=facilitator)
        services.add_note(money, "Ask the benefits team to the next workshop.", actor=facilitator)
        viewer = viewer_for(facilitator)
        from themes.board import build_cards

        cards, extras = build_cards(run, viewer)
        money_card = next(c for c in cards if c.theme.id == money.id)
        assert money_card.quotes[0].id == passage.id  # pinned first
        assert other in extras["off_topic"]
        actions = {e.action for e in db.session.scalars(select(AuditEntry))}
        assert {"theme.merged", "theme.split", "theme.passage_moved", "theme.pinned", "theme.off_topic", "theme.note"} <= actions
        with pytest.raises(services.ThemeError):
            services.move_passage(passage, trust)  # merged themes take no passages


def test_board_page_for_each_role(app, users, board):
    for role in ("facilitator", "reporter", "manager", "admin"):
        client = app.test_client()
        sign_in(client, users[role].email)
        page = client.get("/themes").get_data(as_text=True)
        assert "Housing" in page and "The hostel gave me notice." in page, role
        assert ("Move to…" in page) == (role in ("facilitator", "admin")), role
        assert ("Find themes" in page) == (role in ("facilitator", "admin")), role
    client = app.test_client()
    sign_in(client, users["safeguarding_lead"].email)
    assert client.get("/themes").status_code == 403


def test_manager_sees_counts_but_only_readable_words(app, users, board):
    client = app.test_client()
    sign_in(client, users["manager"].email)
    page = client.get(f"/themes/t/{board['themes']['Money']}").get_data(as_text=True)
    assert "I help lads fill in the forms." not in page  # mentor story: no manager_view consent
    assert "The words are hidden" in page and "Debt comes up" in page
    body = client.get(f"/api/v1/theme-runs/{board['run']}").get_json()
    money = next(t for t in body["themes"] if t["label"] == "Money")
    assert len(money["story_ids"]) == 3 and sorted(p["text"] is None for p in money["passages"]) == [False, False, True]
    assert client.post(f"/themes/t/{board['themes']['Money']}/merge", data={"target": 1}).status_code == 403


def test_quotes_need_quote_consent(app, users, board):
    """Story 4 counts in Housing but has no `quote` consent: never a key quote."""
    with app.app_context():
        from themes.board import build_cards

        cards, _ = build_cards(db.session.get(ThemeRun, board["run"]), viewer_for(db.session.get(User, users["facilitator"].id)))
        housing = next(c for c in cards if c.theme.label == "Housing")
        assert board["stories"][3] in housing.story_ids
        assert all(q.story_id != board["stories"][3] for q in housing.quotes)


def test_withdrawn_story_vanishes_from_board_chart_and_quotes_at_once(db_app, db_users):
    with db_app.app_context():
        reporter = db.session.get(User, db_users["reporter"].id)
        a = factories.make_story(reporter, title="A", role="service_user")
        b = factories.make_story(reporter, title="B", role="staff")
        run = make_run_by_hand({"Housing": [(a, "Words of story A."), (b, "Words of story B.")]})
        withdraw_consent(a.id)
        facilitator = db.session.get(User, db_users["facilitator"].id)
        data = prevalence(run, viewer_for(facilitator))
        assert data["n_stories"] == 1 and data["rows"][0]["stories"] == 1 and data["roles"] == ["staff"]
        client = db_app.test_client()
        sign_in(client, db_users["facilitator"].email)
        page = client.get("/themes").get_data(as_text=True)
        assert "Words of story B." in page and "Words of story A." not in page
        assert services.withdraw_story(a.id) == 1
        assert db.session.scalar(select(Passage).where(Passage.story_id == a.id)).withdrawn_at is not None
        assert services.story_theme_mix(a.id) == []


def test_drag_and_drop_api_moves_a_passage_and_reporter_may_not(app, users, board):
    with app.app_context():
        passage = db.session.scalar(select(Passage).where(Passage.theme_id == board["themes"]["Trust"]))
        pid = passage.id
    client = app.test_client()
    sign_in(client, users["facilitator"].email)
    moved = client.post(f"/api/v1/passages/{pid}/move", json={"theme_id": board["themes"]["Housing"]})
    assert moved.status_code == 200 and moved.get_json()["moved_by_people"] is True
    reporter = app.test_client()
    sign_in(reporter, users["reporter"].email)
    assert reporter.post(f"/api/v1/passages/{pid}/move", json={"theme_id": board["themes"]["Money"]}).status_code == 403
    # the keyboard way: a form post
    response = client.post(f"/themes/passages/{pid}/move", data={"theme_id": board["themes"]["Money"], "next": "/themes"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Passage, pid).theme_id == board["themes"]["Money"]


def test_codebook_and_tagging_by_a_reporter(app, users, board):
    client = app.test_client()
    sign_in(client, users["reporter"].email)
    assert client.post("/themes/codes", data={"name": "Waiting", "colour": "teal"}).status_code == 302
    with app.app_context():
        code = services.list_codes()[0]
        passage = db.session.scalar(select(Passage).where(Passage.theme_id == board["themes"]["Housing"]))
        code_id, pid = code.id, passage.id
    assert client.post(f"/themes/passages/{pid}/codes", data={"code_id": code_id}).status_code == 302
    page = client.get(f"/themes/t/{board['themes']['Housing']}").get_data(as_text=True)
    assert "code-teal" in page and "Waiting" in page
    board_page = client.get("/themes").get_data(as_text=True)
    assert 'class="code-chip code-teal"' in board_page  # codes shown on the theme card
    assert client.post(f"/themes/passages/{pid}/codes/{code_id}/remove").status_code == 302
    with app.app_context():
        assert services.codes_for([db.session.get(Passage, pid)])[pid] == []
    assert client.post(f"/themes/passages/{pid}/pin").status_code == 403


def test_prevalence_page_csv_and_png(app, users, board):
    client = app.test_client()
    sign_in(client, users["manager"].email)
    page = client.get(f"/themes/runs/{board['run']}/prevalence").get_data(as_text=True)
    assert "<svg" in page and "Housing" in page and "Download chart (PNG)" in page
    csv_text = client.get(f"/themes/runs/{board['run']}/prevalence.csv").get_data(as_text=True)
    lines = csv_text.strip().splitlines()
    assert lines[0].startswith("theme,stories,share of all stories,People on probation (of 2)")
    assert lines[1].startswith("Housing,3,75%")  # 3 of 4 stories touch Housing
    png = client.get(f"/themes/runs/{board['run']}/prevalence.png")
    assert png.mimetype == "image/png" and png.data.startswith(b"\x89PNG")
    for extension in ("csv", "png"):
        download = client.get(f"/themes/runs/{board['run']}/prevalence.{extension}")
        assert download.headers["Content-Disposition"] == (
            f"attachment; filename=theme-prevalence-run-{board['run']}.{extension}")


def test_story_theme_mix_partial(app, users, board):
    with app.app_context():
        mix = services.story_theme_mix(board["stories"][0])
        assert [m["label"] for m in mix] == ["Housing", "Money", "Trust"]
        assert sum(m["weight"] for m in mix) == pytest.approx(1.0, abs=1e-3)
        from flask import render_template

        from stories.models import Story

        with app.test_request_context():
            html = render_template("themes/_story_mix.html", story=db.session.get(Story, board["stories"][0]))
        assert "Themes in this story" in html and "<meter" in html


def test_seed_file_errors_name_the_line():
    with pytest.raises(services.SeedError, match="Line 3"):
        services.parse_seed_text('[\n {"name": "Housing", "description": "a place"},\n {"name": "Money" "description": "x"}\n]')
    with pytest.raises(services.SeedError, match="Line 3: the seed has no name"):
        services.parse_seed_text('[\n {"name": "Housing"},\n {"description": "no name"}\n]')
    with pytest.raises(services.SeedError, match="Line 1"):
        services.parse_seed_text('{"name": "x"}')
    assert services.parse_seed_text('[{"name": " Trust ", "description": "being believed"}]') == [
        {"name": "Trust", "description": "being believed"}]


def test_cli_build_rejects_a_bad_seed_file_and_too_few_stories(app, users, tmp_path):
    bad = tmp_path / "seeds.json"
    bad.write_text('[\n  {"name": "Housing"},\n  {"name": "Money",}\n]')
    runner = app.test_cli_runner()
    result = runner.invoke(args=["themes", "build", "--seeds", str(bad), "--wait"])
    assert result.exit_code == 2 and "Line 3" in result.output
    with app.app_context():
        factories.make_story(db.session.get(User, users["reporter"].id), text="Only one story here. It is short.")
    result = runner.invoke(args=["themes", "build", "--wait"])
    assert result.exit_code == 1 and "needs at least 5 stories" in result.output
    with app.app_context():
        run = services.list_runs()[0]
        assert run.status == "failed" and "5 stories" in run.message
    client = app.test_client()
    sign_in(client, users["facilitator"].email)
    assert "needs at least 5 stories" in client.get("/themes").get_data(as_text=True)


def test_api_lists_runs_and_starts_one(app, users, board):
    client = app.test_client()
    sign_in(client, users["reporter"].email)
    runs = client.get("/api/v1/theme-runs").get_json()
    assert runs[0]["id"] == board["run"] and runs[0]["story_count"] == 4
    assert client.post("/api/v1/theme-runs", json={}).status_code == 403
    sign_in(facilitator := app.test_client(), users["facilitator"].email)
    bad = facilitator.post("/api/v1/theme-runs", json={"seeds": [{"description": "no name"}]})
    assert bad.status_code == 422
    started = facilitator.post("/api/v1/theme-runs", json={"seeds": [], "min_stories": 2})
    assert started.status_code == 202 and started.get_json()["job_id"]


def test_export_adds_theme_runs_and_story_themes(app, users, board):
    with app.app_context():
        from themes.export import contribute

        document = {"stories": [{"id": sid} for sid in board["stories"]]}
        contribute(document)
        run = document["theme_runs"][0]
        housing = next(t for t in run["themes"] if t["label"] == "Housing")
        assert set(housing["passages"][0]) >= {"story_id", "start", "end", "text"}
        assert len(housing["story_ids"]) == 3
        assert document["stories"][0]["themes"][0]["weight"] == pytest.approx(1 / 3, abs=1e-3)
        json.dumps(document, default=str)
