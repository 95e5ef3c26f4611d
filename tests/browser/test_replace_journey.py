"""A reporter fixes a misheard name in three stories at once: find, preview, replace, and undo one
— in a real Chromium."""
import re

import pytest

from tests.browser.conftest import check_accessibility, csp_violations, sign_in

pytestmark = pytest.mark.browser

TEXTS = ["The mapper meeting was on Monday and I was scared.",
         "My officer said mapper would decide where I live.",
         "After the mapper panel I felt listened to."]


def _type_story(page, title: str, text: str) -> str:
    page.goto("/stories/new/text")
    page.get_by_label("The story's words").fill(text)
    page.get_by_label("Title").fill(title)
    page.get_by_label("Person on probation").check()
    page.get_by_label(re.compile("look for themes")).check()
    page.get_by_role("button", name="Save the story").click()
    page.wait_for_url(re.compile(r"/stories/\d+$"))
    return page.url


def test_reporter_replaces_a_misheard_name_in_three_stories_and_can_undo(live_site, new_page):
    live_site.create_user("fay.reporter@example.org", "reporter")
    page = new_page()
    sign_in(page, "fay.reporter@example.org")
    urls = [_type_story(page, f"Panel {i}", text) for i, text in enumerate(TEXTS, start=1)]

    page.goto("/stories")
    page.get_by_role("link", name="Find and replace in all your stories").click()
    check_accessibility(page)
    page.get_by_label("Find", exact=True).fill("mapper")
    page.get_by_label("Replace with").fill("MAPPA")
    page.get_by_role("button", name="Show the matches").click()
    page.get_by_role("heading", name="3 matches").wait_for()
    check_accessibility(page)
    assert page.locator(".replace-matches ins").all_inner_texts() == ["MAPPA"] * 3
    for url in urls:  # nothing changed yet
        assert page.request.get(url).text().count("MAPPA") == 0
    page.get_by_role("button", name="Replace the ticked words").click()
    page.get_by_text(re.compile("Replaced in 3 stories")).wait_for()
    check_accessibility(page)
    for url in urls:
        page.goto(url)
        assert "MAPPA" in page.locator(".segment-text").first.inner_text()

    page.goto("/stories/replace?find=MAPPA")
    page.get_by_role("heading", name="3 matches").wait_for()
    page.goto(urls[0])
    assert page.get_by_role("button", name="Undo the last find and replace").count() == 1
    page.get_by_role("button", name="Undo the last find and replace").click()
    page.get_by_text(re.compile("Undone")).wait_for()
    assert "mapper" in page.locator(".segment-text").first.inner_text()
    page.goto(urls[1])
    assert "MAPPA" in page.locator(".segment-text").first.inner_text()  # the others keep theirs
    assert not csp_violations(page)
