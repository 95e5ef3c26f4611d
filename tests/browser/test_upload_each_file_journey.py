"""A multi-file upload where each file gets its own title, storyteller and consent in the browser, before
the first submit (static/js/stories-upload.js) — in a real Chromium."""
import pytest

from tests.browser.conftest import check_accessibility, csp_violations, sign_in
from tests.factories import tone_wav

pytestmark = pytest.mark.browser


def test_two_files_get_their_own_titles_storyteller_and_consent(live_site, new_page, tmp_path):
    live_site.create_user("ivo.reporter@example.org", "reporter")
    first, second = tmp_path / "monday.wav", tmp_path / "hostel.wav"
    first.write_bytes(tone_wav(3.0))
    second.write_bytes(tone_wav(3.0))
    page = new_page()
    sign_in(page, "ivo.reporter@example.org")
    page.goto("/stories/new/upload")
    assert page.locator("#each-file").is_hidden()
    page.get_by_label("Sound files").set_input_files([str(first), str(second)])
    page.get_by_label("Title for file 1").fill("Monday at the drop-in")
    page.get_by_label("Title for file 2").fill("Visit to the hostel")
    page.get_by_label("Who told the story in file 2").select_option("staff")
    page.get_by_label("Consent for file 2").select_option("own")
    page.locator("#file-1-scope-analysis").check()
    check_accessibility(page)
    page.locator("input[name=storyteller_role][value=service_user]").check()
    page.locator("input[name=consent_scopes][value=analysis]").check()
    page.locator("input[name=consent_scopes][value=workshop]").check()
    page.get_by_role("button", name="Save and type it up").click()
    page.get_by_role("heading", name="What happened to each file").wait_for()
    rows = page.locator("#upload-outcomes tbody tr")
    assert rows.filter(has_text="monday.wav").filter(has_text="Saved").count() == 1
    links = {name: rows.filter(has_text=name).get_by_role("link").get_attribute("href")
             for name in ("monday.wav", "hostel.wav")}
    workshops = "We can share it in workshops"
    for name, title, role, shared in (("hostel.wav", "Visit to the hostel", "Member of staff", False),
                                      ("monday.wav", "Monday at the drop-in", "Person on probation", True)):
        page.goto(links[name])
        page.get_by_role("heading", name=title).wait_for()
        about = page.locator("#about-heading").locator("xpath=..").inner_text()
        assert role in about, about
        consent = page.locator(".governance-facts").inner_text()
        assert "We can use the story to look for themes" in consent and (workshops in consent) == shared, consent
    assert not csp_violations(page)
