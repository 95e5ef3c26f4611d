"""Safeguarding queue order and reasons, urgent alerts in the app and by email (real local SMTP), reporter guidance."""
import socket
import threading
import time

import pytest

from extensions import db
from governance import services
from governance.models import Notification, SafeguardingFlag
from tests import factories
from tests.conftest import sign_in


@pytest.fixture
def smtp_server():
    """A real aiosmtpd server on a free loopback port, collecting the messages it receives."""
    from aiosmtpd.controller import Controller

    received = []

    class Collect:
        async def handle_DATA(self, server, session, envelope):
            received.append(envelope)
            return "250 OK"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Collect(), hostname="127.0.0.1", port=port)
    controller.start()
    yield port, received
    controller.stop()


def _story(app, users, text, title):
    from accounts.models import User

    reporter = db.session.get(User, users["reporter"].id)
    story = factories.make_story(reporter, title=title, text=text)
    services.after_transcription(story.id)
    return story.id


@pytest.mark.slow
def test_urgent_flag_tells_leads_in_app_and_by_email(app, users, smtp_server):
    port, received = smtp_server
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    with app.app_context():
        urgent_id = _story(app, users, "He's outside the house right now with a knife and he's banging on the door.", "Tonight")
        flag = db.session.scalars(db.select(SafeguardingFlag).where(SafeguardingFlag.story_id == urgent_id)).first()
        assert flag.severity == "urgent" and flag.text_revision is not None
        notes = db.session.scalars(db.select(Notification).where(Notification.story_id == urgent_id)).all()
        assert [n.user_id for n in notes] == [users["safeguarding_lead"].id]
        assert notes[0].emailed_at is not None
    deadline = time.time() + 5
    while not received and time.time() < deadline:
        time.sleep(0.05)
    assert received and received[0].rcpt_tos == [users["safeguarding_lead"].email]
    body = received[0].content.decode()
    assert "danger" in body.lower() and "knife" not in body  # no story text leaves in an email

    lead = app.test_client()
    sign_in(lead, users["safeguarding_lead"].email)
    page = lead.get("/safeguarding").get_data(as_text=True)
    assert 'id="safeguarding-count"' in page and "Read it now" in page
    lead.get(f"/safeguarding/stories/{urgent_id}")
    assert "Read it now" not in lead.get("/safeguarding").get_data(as_text=True)  # read once opened

    reporter = app.test_client()
    sign_in(reporter, users["reporter"].email)
    story_page = reporter.get(f"/stories/{urgent_id}").get_data(as_text=True)
    assert "Call 999 now" in story_page


@pytest.mark.slow
def test_queue_orders_by_severity_then_age_and_shows_the_words(app, users):
    with app.app_context():
        offence = _story(app, users, "I've been shoplifting again this month and nobody knows.", "Older, medium")
        child = _story(app, users, "When he's had a drink he hits my son, he's only six.", "Newer, urgent")
        assert db.session.scalar(db.select(db.func.count()).select_from(Notification)) == 1  # only the urgent one
    lead = app.test_client()
    sign_in(lead, users["safeguarding_lead"].email)
    page = lead.get("/safeguarding").get_data(as_text=True)
    assert page.index("Newer, urgent") < page.index("Older, medium")
    assert "Harm to a child" in page and "<mark>hits my son</mark>" in page and "A new offence" in page
    assert offence != child


@pytest.mark.slow
def test_no_email_without_a_mail_server(app, users):
    app.config.pop("MAIL_SERVER", None)
    with app.app_context():
        story_id = _story(app, users, "I've taken the pills already, about an hour ago.", "Pills")
        note = db.session.scalars(db.select(Notification).where(Notification.story_id == story_id)).one()
        assert note.emailed_at is None
