"""A facilitator finds themes with two seeds, reshapes the board with the room, and re-runs discovery."""
import re
import subprocess
import sys

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import check_accessibility, sign_in
from tests.conftest import ROOT

pytestmark = pytest.mark.browser

SEED_STORIES = """
import json
from app import create_app
from extensions import db
from accounts.models import User
from tests import factories
app = create_app()
with app.app_context():
    reporter = db.session.scalar(db.select(User).where(User.email == "theme.reporter@example.org"))
    for item in json.load(open("demo/dev_stories.json"))["stories"]:
        factories.make_story(reporter, title="Story " + item["id"], role=item["role"], text=item["text"])
"""


def _wait_for_board(page):
    page.wait_for_selector(".theme-card", timeout=240_000)
    page.wait_for_load_state()


def test_facilitator_finds_and_reshapes_themes_and_rerun_keeps_decisions(live_site, new_page, tmp_path):
    live_site.create_user("theme.reporter@example.org", "reporter")
    live_site.create_user("theme.facilitator@example.org", "facilitator", name="Fran")
    subprocess.run([sys.executable, "-c", SEED_STORIES], cwd=ROOT, env=live_site.env, check=True, timeout=120)

    page = new_page(viewport={"width": 1400, "height": 1000})
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(page, "theme.facilitator@example.org")
    page.get_by_role("link", name="Themes", exact=True).click()
    check_accessibility(page)

    # Run discovery with two seeded themes and watch the progress bar.
    page.get_by_label("Theme 1: name").fill("Somewhere to live")
    page.get_by_label("Theme 1: in one sentence").fill("somewhere safe and stable to live: hostels, flats, the council")
    page.get_by_label("Theme 2: name").fill("Drink and drugs")
    page.get_by_label("Theme 2: in one sentence").fill("drugs, alcohol, treatment and recovery")
    page.get_by_role("button", name="Find themes").click()
    assert page.locator(".job-progress progress").is_visible()
    check_accessibility(page)
    _wait_for_board(page)
    check_accessibility(page)
    cards = page.locator(".theme-card")
    assert cards.count() >= 4
    assert page.get_by_role("heading", name="Drink and drugs").is_visible()
    page.screenshot(path=str(live_site.data_dir / "board.png"), full_page=True)

    # Rename a machine theme.
    machine_card = page.locator(".theme-card").filter(has_not=page.locator(".badge.seed")).first
    machine_name = machine_card.locator("h2").inner_text().strip()
    machine_card.locator("h2 a").click()
    check_accessibility(page)
    page.get_by_label("Name", exact=True).fill("Leaving prison")
    page.get_by_label("Why (optional)").first.fill("the room's words")
    page.get_by_role("button", name="Save name and description").click()
    assert page.get_by_role("heading", name="Leaving prison", level=1).is_visible()
    assert page.get_by_text(f"Computer's name: “{machine_name}”").is_visible()

    # Move a quote by drag-and-drop onto the "Drink and drugs" card.
    page.get_by_role("link", name=re.compile("Theme board")).click()
    source = page.locator(".theme-card", has=page.get_by_role("heading", name="Leaving prison"))
    target = page.locator(".theme-card", has=page.get_by_role("heading", name="Drink and drugs"))
    passage_id = source.locator(".quote").first.get_attribute("data-passage-id")
    quote = page.locator(f'.quote[data-passage-id="{passage_id}"]')
    with page.expect_navigation():
        quote.drag_to(target.locator("h2"))
    page.wait_for_load_state()
    target = page.locator(".theme-card", has=page.get_by_role("heading", name="Drink and drugs"))
    expect(target.locator(f'.quote[data-passage-id="{passage_id}"]')).to_have_count(1)
    assert target.get_by_text("Moved by people").first.is_visible()

    # Merge two machine themes.
    others = page.locator(".theme-card:not(.outlier)").filter(has_not=page.locator(".badge.seed"))
    names = [n.strip() for n in others.locator("h2").all_inner_texts() if n.strip() != "Leaving prison"]
    source_name, target_name = names[-1], names[-2]
    page.get_by_role("link", name=source_name, exact=True).click()
    page.get_by_label("Merge this theme into").select_option(label=target_name)
    page.get_by_role("button", name="Merge").click()
    assert page.get_by_role("heading", name=target_name, level=1).is_visible()
    check_accessibility(page)

    # Play a quote where the audio allows it (typed stories have none: no play button is offered).
    page.get_by_role("link", name=re.compile("Theme board")).click()
    play = page.locator("button.play")
    if play.count():
        play.first.click()
        assert play.first.get_attribute("aria-pressed") == "true"

    # Prevalence table and chart, and the PNG download.
    page.get_by_role("link", name="Prevalence table and chart").click()
    check_accessibility(page)
    assert page.locator("svg.prevalence-chart rect").count() >= 3
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download chart (PNG)").click()
    png = tmp_path / "chart.png"
    download_info.value.save_as(png)
    assert png.read_bytes()[:4] == b"\x89PNG"

    # Re-run discovery with the same seeds: the room's decisions are kept.
    page.get_by_role("link", name=re.compile("Theme board")).click()
    page.get_by_text("Find themes again").click()
    page.get_by_label("Theme 1: name").fill("Somewhere to live")
    page.get_by_label("Theme 1: in one sentence").fill("somewhere safe and stable to live: hostels, flats, the council")
    page.get_by_label("Theme 2: name").fill("Drink and drugs")
    page.get_by_label("Theme 2: in one sentence").fill("drugs, alcohol, treatment and recovery")
    page.get_by_role("button", name="Find themes").click()
    page.wait_for_selector(".run-info:has-text('decisions kept')", timeout=240_000)
    assert page.get_by_role("heading", name="Leaving prison").is_visible()
    assert page.get_by_role("heading", name=source_name, exact=True).count() == 0
    target = page.locator(".theme-card", has=page.get_by_role("heading", name="Drink and drugs"))
    assert target.get_by_text("Moved by people").first.is_visible()
    assert page.get_by_text(re.compile("kept the name people chose")).is_visible()
    check_accessibility(page)
    page.screenshot(path=str(live_site.data_dir / "board-rerun.png"), full_page=True)
    assert not [e for e in errors if "Content Security Policy" in e], errors
