"""A reporter teaches the site their voice: records a sample with the microphone, agrees, saves, and
the worker learns it — in a real Chromium whose fake microphone plays an espeak-ng voice."""
import re

import pytest

from tests.browser.conftest import check_accessibility, chromium_hearing, csp_violations, sign_in

pytestmark = pytest.mark.browser

SAMPLE = ("Hello, I am a community reporter. I record people's stories about probation, housing and getting "
          "to appointments, and I ask them questions about what happened and what would help.")


@pytest.fixture(scope="module")
def voice_browser(browser, tmp_path_factory):
    with chromium_hearing(browser, SAMPLE, tmp_path_factory.mktemp("voice") / "voice.wav") as launched:
        yield launched


def test_reporter_records_a_voice_sample_and_the_site_learns_it(live_site, voice_browser):
    live_site.create_user("vic.reporter@example.org", "reporter")
    context = voice_browser.new_context(base_url=live_site.url)
    context.set_default_timeout(20000)
    page = context.new_page()
    sign_in(page, "vic.reporter@example.org")
    page.goto("/stories/new")
    page.get_by_role("link", name="Teach the site your voice").click()
    check_accessibility(page)
    assert "does not know your voice" in page.locator("#voice-state").inner_text()
    page.get_by_role("button", name="Start recording").click()
    page.wait_for_timeout(8000)
    page.get_by_role("button", name="Stop").click()
    save = page.get_by_role("button", name="Save my voice sample")
    page.wait_for_function("() => document.getElementById('voice-playback').src.startsWith('blob:')")
    assert save.is_disabled()  # not without consent
    page.get_by_label(re.compile("I agree that my voice sample")).check()
    save.click()
    page.get_by_text(re.compile("Your voice is learned")).wait_for(timeout=180000)
    check_accessibility(page)
    assert not csp_violations(page)
    context.close()
