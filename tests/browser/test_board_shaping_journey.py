"""On the demo stories a facilitator asks for more and fewer themes, uses “more like this”, and undoes changes."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import check_accessibility, seed_demo_stories, serve_site, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def live_site(tmp_path_factory):
    """A site of its own: the demo stories and the runs made here are not what the other journeys expect."""
    with serve_site(tmp_path_factory) as site:
        yield site


def _machine_cards(page):
    return page.locator(".theme-card:not(.outlier)")


def _flash(page, text):
    expect(page.get_by_text(re.compile(text)).first).to_be_visible()


def test_facilitator_recuts_finds_more_like_this_and_undoes(live_site, new_page):
    live_site.create_user("board.reporter@example.org", "reporter")
    live_site.create_user("board.facilitator@example.org", "facilitator", name="Bea")
    seed_demo_stories(live_site, "board.reporter@example.org", "Board story ")

    page = new_page(viewport={"width": 1400, "height": 1000})
    sign_in(page, "board.facilitator@example.org")
    page.goto("/themes")
    run_panel = page.locator("details.run-panel")
    if run_panel.get_attribute("open") is None:  # another journey on this live site may have run themes first
        run_panel.locator("summary").click()
    page.get_by_role("button", name="Find themes").click()
    page.wait_for_selector(".theme-card", timeout=300_000)
    page.wait_for_selector("text=Shape the board", timeout=300_000)
    page.wait_for_load_state()
    check_accessibility(page)

    # Fewer / more themes: the same stories, cut again at once.
    before = _machine_cards(page).count()
    page.get_by_role("button", name="More themes").click()
    _flash(page, r"cut again from the same stories")
    more = _machine_cards(page).count()
    assert more > before, (before, more)
    check_accessibility(page)
    page.get_by_role("button", name="Fewer themes").click()
    _flash(page, r"cut again from the same stories")
    assert _machine_cards(page).count() < more

    # More like this: two passages of a theme marked as examples; one proposal accepted, one rejected.
    card = _machine_cards(page).first
    theme_name = card.locator("h2").inner_text().strip()
    card.locator("h2 a").click()
    for _ in range(2):
        page.locator("li.passage").filter(has=page.get_by_role("button", name="Mark as example")).first \
            .get_by_role("button", name="Mark as example").click()
        _flash(page, "Marked as an example")
    section = page.locator("#more-like-this")
    expect(section.get_by_text("2 examples marked.")).to_be_visible()
    check_accessibility(page)
    proposals = section.locator("li.suggestion")
    assert proposals.count() >= 2
    accepted_text = proposals.first.locator("blockquote").inner_text()
    proposals.first.get_by_role("button", name=re.compile("Accept into")).click()
    _flash(page, f"Moved into “{re.escape(theme_name)}”")
    expect(page.locator("li.passage blockquote", has_text=accepted_text[:60]).first).to_be_visible()
    page.locator("#more-like-this li.suggestion").first.get_by_role("button", name="Reject").click()
    _flash(page, "Rejected: it will not be proposed again")

    # Undo: the acceptance (a move), then a merge, each said in plain words; the log keeps both.
    page.get_by_role("link", name=re.compile("Theme board")).click()
    page.get_by_role("button", name="Undo the last change").click()
    _flash(page, "Undone: the passage is back in")
    names = [n.strip() for n in _machine_cards(page).locator("h2").all_inner_texts()]
    source, target = names[-1], names[-2]
    page.get_by_role("link", name=source, exact=True).click()
    page.get_by_label("Merge this theme into").select_option(label=target)
    page.get_by_role("button", name="Merge").click()
    page.get_by_role("link", name=re.compile("Theme board")).click()
    expect(page.get_by_role("heading", name=source, exact=True)).to_have_count(0)
    page.get_by_role("button", name="Undo the last change").click()
    _flash(page, f"Undone: “{re.escape(source)}” is its own theme again")
    expect(page.get_by_role("heading", name=source, exact=True)).to_have_count(1)
    log = page.locator(".decision-list")
    expect(log.get_by_text("(merge undone)")).to_be_visible()
    expect(log.get_by_text("(move undone)")).to_be_visible()
    check_accessibility(page)
    page.screenshot(path=str(live_site.data_dir / "board-shaped.png"), full_page=True)
