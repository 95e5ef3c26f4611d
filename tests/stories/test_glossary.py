"""The site glossary: an admin keeps it, it becomes the speech model's hotwords, every change is audited."""
from __future__ import annotations

from sqlalchemy import select

from audit.models import AuditEntry
from extensions import db
from stories import glossary
from stories.models import GlossaryTerm
from tests.conftest import sign_in


def test_an_admin_adds_and_removes_words_and_duplicates_are_refused(app, users):
    client = app.test_client()
    sign_in(client, users["admin"].email)
    assert client.post("/glossary", data={"term": "  MAPPA "}).status_code == 302
    client.post("/glossary", data={"term": "methadone"})
    page = client.post("/glossary", data={"term": "mappa"}, follow_redirects=True).get_data(as_text=True)
    assert "already in the glossary" in page
    with app.app_context():
        assert [t.term for t in glossary.terms()] == ["MAPPA", "methadone"]
        assert glossary.hotwords() == "MAPPA, methadone"
        mappa = db.session.scalars(select(GlossaryTerm).where(GlossaryTerm.term == "MAPPA")).one()
        mappa_id = mappa.id
    client.post("/glossary", data={"remove": str(mappa_id)})
    with app.app_context():
        assert glossary.hotwords() == "methadone"
        actions = [a.action for a in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))]
        assert actions.count("glossary.term_added") == 2 and "glossary.term_removed" in actions


def test_an_empty_glossary_gives_no_hotwords_and_a_long_one_is_cut_at_a_word(app):
    with app.app_context():
        assert glossary.hotwords() is None
        for i in range(80):
            db.session.add(GlossaryTerm(term=f"Placename{i:02d}"))
        db.session.commit()
        prompt = glossary.hotwords()
        assert len(prompt) <= glossary.MAX_PROMPT_CHARS and prompt.endswith(tuple("0123456789"))


def test_only_admins_keep_the_glossary(app, users):
    client = app.test_client()
    sign_in(client, users["reporter"].email)
    assert client.get("/glossary").status_code in (302, 403)
    assert client.post("/glossary", data={"term": "MAPPA"}).status_code in (302, 403)
    with app.app_context():
        assert glossary.terms() == []
