"""PowerPoint and Word exports: the pack's content, one slide per theme, clips inside, consent kept."""
import io

import pytest

from accounts.models import User
from extensions import db
from tests.conftest import sign_in
from tests.workshops.helpers import build_world, withdraw, workshop_data
from workshops import actions, planning


@pytest.fixture
def workshop(app, users):
    with app.app_context():
        world = build_world(audio=1, text_stories=2, reporter=db.session.get(User, users["reporter"].id))
        from stories.models import Story

        workshop_id = planning.create_workshop(workshop_data(world)).id
        withdraw(db.session.get(Story, world["story_ids"][2]))  # "Typed story 2" leaves every export
        return workshop_id


def _texts(shapes) -> str:
    return " ".join(s.text_frame.text for s in shapes if s.has_text_frame)


@pytest.mark.slow
def test_pptx_has_a_slide_per_theme_with_chart_quotes_and_the_clip(app, users, workshop):
    from pptx import Presentation

    client = app.test_client()
    sign_in(client, users["facilitator"].email)
    response = client.get(f"/workshops/{workshop}/export.pptx")
    assert response.status_code == 200 and response.headers["Content-Disposition"].endswith('.pptx"')
    deck = Presentation(io.BytesIO(response.data))
    slides = list(deck.slides)
    assert len(slides) == 1 + 3
    first_theme = slides[1]
    assert "Getting to appointments" in _texts(first_theme.shapes)
    assert "The bus to the office costs me four pounds 0." in _texts(first_theme.shapes)
    assert any(s.has_chart for s in first_theme.shapes)
    media = [rel.target_part for rel in first_theme.part.rels.values() if "media" in rel.reltype]
    assert any(part.content_type == "audio/mpeg" for part in media)
    everything = " ".join(_texts(s.shapes) for s in slides)
    assert "fare 1." not in everything  # the withdrawn story


def test_docx_report_has_each_theme_and_its_quotes(app, users, workshop):
    from docx import Document

    client = app.test_client()
    sign_in(client, users["facilitator"].email)
    response = client.get(f"/workshops/{workshop}/export.docx")
    assert response.status_code == 200
    document = Document(io.BytesIO(response.data))
    text = "\n".join(p.text for p in document.paragraphs)
    for label in ("Getting to appointments", "A safe place to live", "Seeing the same worker"):
        assert label in text
    assert "I had to choose between food and the fare 0." in text
    assert "fare 1." not in text
    assert document.inline_shapes  # the prevalence charts


def test_managers_cannot_export(app, users, workshop):
    client = app.test_client()
    sign_in(client, users["manager"].email)
    assert client.get(f"/workshops/{workshop}/export.docx").status_code in (403, 404)
