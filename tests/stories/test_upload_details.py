"""A multi-file upload tells the reporter, file by file: its name, size, length, what became of it,
and any problem in plain words."""
from __future__ import annotations

import io
import re

import pytest

from extensions import db
from tests.conftest import sign_in
from tests.factories import make_user, tone_wav


@pytest.fixture
def queued_app(queued_app):
    """The queued app (tests/conftest.py) with the people these tests sign in as."""
    with queued_app.app_context():
        make_user("reporter", email="reporter@example.org")
    return queued_app


def _row(page: str, name: str) -> str:
    found = re.search(r"<tr[^>]*>(?:(?!</tr>).)*" + re.escape(name) + r"(?:(?!</tr>).)*</tr>", page, re.S)
    assert found, (name, page[page.find("<table"):][:2000])
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(0)))


def test_each_file_of_a_multi_file_upload_has_its_name_size_length_state_and_problem(queued_app):
    client = queued_app.test_client()
    sign_in(client, "reporter@example.org")
    four, seven = tone_wav(4.0), tone_wav(7.0)
    form = {"title": "Drop-in", "storyteller_role": "service_user", "language": "en",
            "consent_scopes": ["analysis"], "consent_method": "signed_form",
            "audio": [(io.BytesIO(four), "first chat.wav"), (io.BytesIO(seven), "second chat.wav"),
                      (io.BytesIO(b"not audio at all " * 200), "notes.mp3"), (io.BytesIO(b""), "empty.wav")]}
    response = client.post("/stories/new/upload", data=form, content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    first, second = _row(page, "first chat.wav"), _row(page, "second chat.wav")
    assert "125.0 KB" in first and "0 min 4 s" in first and "Saved" in first
    assert "218.8 KB" in second and "0 min 7 s" in second and "Saved" in second
    notes, empty = _row(page, "notes.mp3"), _row(page, "empty.wav")
    assert "Not saved" in notes and "does not look like" in notes and "3.3 KB" in notes
    assert "Not saved" in empty and "empty" in empty and "0 bytes" in empty
    assert re.search(r'<a href="/stories/\d+">first chat\.wav</a>', page)
    assert 'class="job-progress"' in page.split("first chat.wav", 1)[1].split("</tr>", 1)[0]  # its state, live


def _stories_by_title():
    from stories.models import Story

    return {s.title: s for s in db.session.scalars(db.select(Story))}


def test_each_file_may_have_its_own_title_role_and_consent(queued_app):
    """Issue #12: the browser adds file-<n>-… fields per chosen file; a file left as it was takes the shared ones."""
    client = queued_app.test_client()
    sign_in(client, "reporter@example.org")
    form = {"title": "Drop-in", "storyteller_role": "service_user", "language": "en",
            "consent_scopes": ["analysis", "workshop"], "consent_method": "signed_form",
            "file-0-title": "Monday at the drop-in", "file-1-title": "Hostel visit",
            "file-1-storyteller_role": "staff", "file-1-consent": "own", "file-1-consent_scopes": ["analysis"],
            "file-2-title": "", "file-2-consent": "",
            "audio": [(io.BytesIO(tone_wav(3.0)), "a.wav"), (io.BytesIO(tone_wav(3.0)), "b.wav"),
                      (io.BytesIO(tone_wav(3.0)), "c.wav")]}
    assert client.post("/stories/new/upload", data=form, content_type="multipart/form-data").status_code == 200
    with queued_app.app_context():
        stories = _stories_by_title()
        monday, hostel, third = stories["Monday at the drop-in"], stories["Hostel visit"], stories["Drop-in (3 of 3)"]
        assert (monday.storyteller_role, sorted(monday.consent_scopes())) == ("service_user", ["analysis", "workshop"])
        assert (hostel.storyteller_role, hostel.consent_scopes()) == ("staff", ["analysis"])
        assert sorted(third.consent_scopes()) == ["analysis", "workshop"]


def test_every_file_titled_needs_no_shared_title_and_a_bad_role_is_refused(queued_app):
    client = queued_app.test_client()
    sign_in(client, "reporter@example.org")
    files = lambda: [(io.BytesIO(tone_wav(3.0)), "a.wav"), (io.BytesIO(tone_wav(3.0)), "b.wav")]  # noqa: E731
    base = {"storyteller_role": "service_user", "language": "en", "consent_method": "signed_form"}
    bad = client.post("/stories/new/upload", content_type="multipart/form-data", data={
        **base, "file-0-title": "One", "file-1-title": "Two", "file-1-storyteller_role": "pirate", "audio": files()})
    assert bad.status_code == 400 and "Choose who told the story in file 2" in bad.get_data(as_text=True)
    untitled = client.post("/stories/new/upload", content_type="multipart/form-data", data={
        **base, "file-0-title": "One", "audio": files()})
    assert untitled.status_code == 400 and "Give the story a short title" in untitled.get_data(as_text=True)
    good = client.post("/stories/new/upload", content_type="multipart/form-data", data={
        **base, "file-0-title": "One", "file-1-title": "Two", "audio": files()})
    assert good.status_code == 200
    with queued_app.app_context():
        assert {"One", "Two"} <= set(_stories_by_title())
