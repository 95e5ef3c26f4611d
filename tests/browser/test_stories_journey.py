"""A reporter records a story with the microphone, uploads another as mp3, watches both being
typed up, fixes a word in the editor and marks the story checked — in a real Chromium."""
import re

import pytest

from tests.browser.conftest import check_accessibility, chromium_hearing, csp_violations, sign_in
from tests.stories.conftest import SECOND, speak

pytestmark = pytest.mark.browser

SPOKEN = "I waited three weeks for my first appointment with probation."


@pytest.fixture(scope="module")
def mic_browser(browser, tmp_path_factory):
    """A second Chromium from the same Playwright, whose fake microphone plays an espeak-ng clip."""
    folder = tmp_path_factory.mktemp("mic")
    with chromium_hearing(browser, SPOKEN, folder / "mic.wav") as launched:
        yield launched, folder


def test_reporter_records_uploads_fixes_and_checks(live_site, mic_browser):
    chromium, folder = mic_browser
    live_site.create_user("rory.reporter@example.org", "reporter")
    context = chromium.new_context(base_url=live_site.url)
    context.set_default_timeout(20000)
    page = context.new_page()
    sign_in(page, "rory.reporter@example.org")

    # 1. Record with the microphone.
    page.get_by_role("link", name="Add a story").first.click()
    check_accessibility(page)
    page.get_by_role("link", name=re.compile("Record now")).click()
    check_accessibility(page)
    page.get_by_role("button", name="Record", exact=True).click()
    page.wait_for_timeout(5000)
    assert page.locator("#rec-time").inner_text() != "0:00"
    page.get_by_role("button", name="Stop", exact=True).click()
    page.wait_for_function("() => !document.getElementById('rec-save').disabled")
    assert page.locator("#rec-playback audio").get_attribute("src").startswith("blob:")
    page.get_by_label("Title").fill("First appointment")
    page.get_by_label("Person on probation").check()
    page.get_by_label(re.compile("look for themes")).check()
    page.get_by_label(re.compile("said yes on the recording")).check()
    check_accessibility(page)
    page.get_by_role("button", name="Save the recording").click()
    page.wait_for_url(re.compile(r"/stories/\d+$"))
    recorded_url = page.url
    # Live progress, then the page reloads into the editor.
    page.get_by_role("heading", name="Please check the words").wait_for(timeout=120000)
    check_accessibility(page)
    text = " ".join(page.locator(".segment-text").all_inner_texts()).lower()
    assert "three weeks" in text or "appointment" in text, text

    # 2. Upload an mp3.
    mp3 = speak(SECOND, folder / "flat.mp3", "mp3")
    page.goto("/stories/new/upload")
    page.get_by_label("Sound files").set_input_files(str(mp3))
    page.get_by_label("Title").fill("A flat near school")
    page.get_by_label("Member of staff").check()
    page.get_by_role("button", name="Save and type it up").click()
    page.wait_for_url(re.compile(r"/stories/\d+$"))
    progress = page.locator(".job-progress")
    if progress.count():
        check_accessibility(page)
    page.get_by_role("heading", name="Please check the words").wait_for(timeout=120000)

    # 3. The list shows both, needing a check.
    page.goto("/stories")
    check_accessibility(page)
    assert page.locator(".story-card .status-needs_review").count() == 2

    # 4. Fix a word in the recorded story and mark it checked.
    page.goto(recorded_url)
    audio_ok = page.evaluate("""async () => {
        const r = await fetch(document.getElementById('story-audio').src, {headers: {Range: 'bytes=0-99'}});
        return r.status; }""")
    assert audio_ok == 206
    first = page.locator(".segment-text").first
    first.click()
    page.keyboard.press("End")
    page.keyboard.type(" Fixed")
    page.evaluate("window.notReloaded = true")
    page.get_by_role("button", name="Save changes").click()
    page.get_by_text(re.compile("Saved as version 2")).wait_for()
    page.wait_for_timeout(1000)
    assert page.evaluate("window.notReloaded === true"), "saving reloaded the page"
    assert "Fixed" in page.locator(".segment-text").first.inner_text()
    # Clicking a word plays from it, though the player was paused (clicking into the text above played it).
    page.evaluate("document.getElementById('story-audio').pause()")
    page.wait_for_function("() => document.getElementById('story-audio').paused")
    page.locator(".w[data-start]").nth(1).click()
    page.wait_for_function("() => !document.getElementById('story-audio').paused")
    seeked = float(page.evaluate("document.getElementById('story-audio').currentTime"))
    assert seeked > 0
    page.evaluate("document.getElementById('story-audio').pause()")
    # A second save without a reload uses the new revision (no "someone else saved" conflict).
    page.locator(".segment-text").first.click()
    page.keyboard.press("End")
    page.keyboard.type(" again")
    page.get_by_role("button", name="Save changes").click()
    page.get_by_text(re.compile("Saved as version 3")).wait_for()
    assert page.evaluate("window.notReloaded === true")
    page.get_by_role("button", name="Mark as checked").click()
    page.get_by_text("The story is checked and ready.").wait_for()
    assert page.locator("#story-status").inner_text() == "Checked and ready"
    check_accessibility(page)
    page.get_by_role("link", name="Earlier versions").click()
    check_accessibility(page)
    assert page.locator(".diff ins").filter(has_text="again").count() >= 1
    assert not [v for v in csp_violations(page)]
    context.close()
