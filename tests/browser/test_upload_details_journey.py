"""A multi-file upload shows each file's name, size, length, state and problem — in a real Chromium."""
import re

import pytest

from tests.browser.conftest import check_accessibility, csp_violations, sign_in
from tests.factories import tone_wav

pytestmark = pytest.mark.browser


def test_each_file_of_an_upload_says_what_became_of_it(live_site, new_page, tmp_path):
    live_site.create_user("una.reporter@example.org", "reporter")
    good, bad = tmp_path / "drop-in one.wav", tmp_path / "notes.mp3"
    good.write_bytes(tone_wav(4.0))
    bad.write_bytes(b"these are typed notes, not sound " * 50)
    page = new_page()
    sign_in(page, "una.reporter@example.org")
    page.goto("/stories/new/upload")
    page.get_by_label("Sound files").set_input_files([str(good), str(bad)])
    page.get_by_label("Title", exact=True).fill("Drop-in")
    page.get_by_label("Person on probation").check()
    page.get_by_role("button", name="Save and type it up").click()
    page.get_by_role("heading", name="What happened to each file").wait_for()
    check_accessibility(page)
    rows = page.locator("#upload-outcomes tbody tr")
    saved, refused = rows.filter(has_text="drop-in one.wav"), rows.filter(has_text="notes.mp3")
    assert re.search(r"125\.0 KB.*0 min 4 s.*Saved", saved.inner_text(), re.S), saved.inner_text()
    assert "Not saved" in refused.inner_text() and "does not look like" in refused.inner_text()
    saved.locator(".job-progress").wait_for()
    assert not csp_violations(page)
