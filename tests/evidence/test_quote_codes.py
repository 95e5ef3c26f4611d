"""Quotes are coded like passages: from the codebook, on the board, carried into later runs, exported."""
from sqlalchemy import func, select

from accounts.models import User
from audit.models import AuditEntry
from extensions import db
from tests.evidence.test_quotes_as_evidence import SHOWN, placed  # noqa: F401  (the fixture)
from themes import codebook, quotes
from themes.models import Theme, ThemeDecision, ThemeRun
from themes.quote_models import Quote, QuoteCode


def _user(ref):
    return db.session.get(User, ref.id)


def _code(users, name="Called back"):
    return codebook.create_code(name, colour="green", actor=_user(users["facilitator"])).id


def test_a_quote_is_coded_on_the_board_and_the_code_comes_off_again(app, users, login, placed):  # noqa: F811
    with app.app_context():
        code_id = _code(users)
    client = app.test_client()
    login(client, users["facilitator"])
    page = client.get("/themes").get_data(as_text=True)
    item = page[page.index(f'data-quote-id="{placed["quote"]}"'):]
    assert f'id="code-quote-{placed["quote"]}"' in item[:item.index("</li>")]  # the form to code it, under it
    response = client.post(f"/quotes/{placed['quote']}/change", data={"what": "code", "code_id": code_id, "next": "/themes"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/themes")
    page = client.get("/themes").get_data(as_text=True)
    item = page[page.index(f'data-quote-id="{placed["quote"]}"'):]
    assert 'class="code-chip code-green">Called back' in item[:item.index("</li>")]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(QuoteCode)) == 1
        assert db.session.scalar(select(ThemeDecision.action).where(ThemeDecision.run_id == placed["run"])) == "quote_coded"
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)
                                 .where(AuditEntry.action == "theme.quote_coded")) == 1
    assert "used 1 time (passages and quotes)" in client.get("/themes/codes").get_data(as_text=True)
    quote_page = client.get(f"/quotes/{placed['quote']}").get_data(as_text=True)
    assert 'class="code-chip code-green">Called back' in quote_page and 'name="csrf_token"' in quote_page
    client.post(f"/quotes/{placed['quote']}/change", data={"what": "uncode", "code_id": code_id, "next": "/themes"})
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(QuoteCode)) == 0


def test_a_quotes_codes_carry_into_the_next_run_and_leave_with_its_story(app, users, placed):  # noqa: F811
    from governance.services import erase_story
    from stories.models import Story

    with app.app_context():
        code_id = _code(users)
        quote = db.session.get(Quote, placed["quote"])
        assert codebook.tag_quote(quote, db.session.get(codebook.Code, code_id), actor=_user(users["facilitator"]))
        run = db.session.get(ThemeRun, placed["run"])
        new_run = ThemeRun(status="done", story_ids=[placed["story"]], seeds=[], settings={}, model="test",
                           previous_run_id=run.id)
        db.session.add(new_run)
        db.session.flush()
        new_theme = Theme(run_id=new_run.id, label="Being called back", carried_from_id=placed["first"])
        db.session.add(new_theme)
        db.session.commit()
        carried = quotes.quotes_for_theme(new_theme)
        assert [(q["id"], [c["name"] for c in q["codes"]]) for q in carried] == [(placed["quote"], ["Called back"])]
        erase_story(db.session.get(Story, placed["story"]), actor=_user(users["admin"]))
        assert db.session.scalar(select(func.count()).select_from(QuoteCode)) == 0


def test_quote_codes_go_into_the_json_export_and_the_qdpx(app, users, placed):  # noqa: F811
    from themes import export, qdpx

    with app.app_context():
        code_id = _code(users)
        quote = db.session.get(Quote, placed["quote"])
        codebook.tag_quote(quote, db.session.get(codebook.Code, code_id), actor=_user(users["facilitator"]))
        document = {"stories": []}
        export.contribute(document)
        theme = next(t for r in document["theme_runs"] for t in r["themes"] if t["id"] == placed["first"])
        assert [(q["id"], q["text"], q["codes"]) for q in theme["quotes"]] == [(placed["quote"], SHOWN, ["Called back"])]
        project = qdpx.qdpx_project(db.session.get(ThemeRun, placed["run"]))
        coded = [s for s in project["segments"] if s.get("reporter_code_id") == code_id]
        assert len(coded) == 1 and coded[0]["text"].startswith("My officer") and coded[0]["text"].endswith("rang me")
        assert "Darren" not in coded[0]["text"]
        assert [s for s in project["segments"] if s.get("quote_id") == placed["quote"] and s.get("theme_id") == placed["first"]]
