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
