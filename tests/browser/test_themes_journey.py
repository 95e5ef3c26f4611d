"""A facilitator finds themes with two seeds, reshapes the board with the room, and re-runs discovery."""
import json
import re
import subprocess

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import check_accessibility, seed_demo_stories, sign_in, wait_until_analysable
from tests.conftest import ROOT

pytestmark = pytest.mark.browser

AUDIO_STORY = "d08"  # a housing story, told aloud so its quotes can be played

# new Audio() elements are never in the document: keep a handle on each one the page plays.
RECORD_PLAYED_AUDIO = """
window.__played = [];
const play = HTMLMediaElement.prototype.play;
HTMLMediaElement.prototype.play = function () { window.__played.push(this); return play.apply(this, arguments); };
"""


def _import_audio_story(live_site, folder) -> int:
    """Speak the housing story with espeak-ng, import the mp3 through the CLI and wait until it may be analysed."""
    text = next(s["text"] for s in json.loads((ROOT / "demo/dev_stories.json").read_text())["stories"]
                if s["id"] == AUDIO_STORY)
    raw, mp3 = folder / "housing.wav", folder / "A home of my own.mp3"
    subprocess.run(["espeak-ng", "-v", "en-gb", "-s", "165", "-w", str(raw), text], check=True)
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-i", str(raw), "-ac", "1", "-b:a", "64k", str(mp3)],
                   check=True)
    result = live_site.command("stories", "import", str(mp3), "--reporter", "theme.reporter@example.org",
                           "--consent", "analysis,workshop,quote,manager_view", "--reviewed")
    story_id = int(result.split("\t")[0])
    wait_until_analysable(live_site, story_id)
    return story_id


def _wait_for_board(page):
    page.wait_for_selector(".theme-card", timeout=240_000)
    page.wait_for_load_state()


def _open_board(page):
    """Follow the "Theme board" link and wait until the board has loaded and its script has run.

    A click only waits for the navigation to start: without this, the next locator can match the page
    being left (a theme page has play buttons too) or a board button whose click handler is not yet set.
    """
    page.get_by_role("link", name=re.compile("Theme board")).click()
    expect(page.get_by_role("heading", name="Theme board", level=1)).to_be_visible()
    page.wait_for_load_state("load")  # the board's deferred script has set its click handlers


def _find_themes_with_two_seeds(page):
    page.get_by_label("Theme 1: name").fill("Somewhere to live")
    page.get_by_label("Theme 1: in one sentence").fill("somewhere safe and stable to live: hostels, flats, the council")
    page.get_by_label("Theme 2: name").fill("Drink and drugs")
    page.get_by_label("Theme 2: in one sentence").fill("drugs, alcohol, treatment and recovery")
    page.get_by_role("button", name="Find themes").click()


def test_facilitator_finds_and_reshapes_themes_and_rerun_keeps_decisions(live_site, new_page, tmp_path):
    live_site.create_user("theme.reporter@example.org", "reporter")
    live_site.create_user("theme.facilitator@example.org", "facilitator", name="Fran")
    seed_demo_stories(live_site, "theme.reporter@example.org", "Story ", skip=(AUDIO_STORY,))  # that one is told aloud
    _import_audio_story(live_site, tmp_path)

    page = new_page(viewport={"width": 1400, "height": 1000})
    page.add_init_script(RECORD_PLAYED_AUDIO)
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(page, "theme.facilitator@example.org")
    page.get_by_role("link", name="Themes", exact=True).click()
    check_accessibility(page)

    # Run discovery with two seeded themes and watch the progress bar.
    run_panel = page.locator("details.run-panel")
    if run_panel.get_attribute("open") is None:  # another journey on this live site may have run themes first
        run_panel.locator("summary").click()
    _find_themes_with_two_seeds(page)
    expect(page.locator(".job-progress progress")).to_be_visible()
    check_accessibility(page)
    _wait_for_board(page)
    check_accessibility(page)
    cards = page.locator(".theme-card")
    assert cards.count() >= 4
    expect(page.get_by_role("heading", name="Drink and drugs")).to_be_visible()
    page.screenshot(path=str(live_site.data_dir / "board.png"), full_page=True)

    # Rename a machine theme.
    machine_card = page.locator(".theme-card").filter(has_not=page.locator(".badge.seed")).first
    machine_name = machine_card.locator("h2").inner_text().strip()
    machine_card.locator("h2 a").click()
    check_accessibility(page)
    page.get_by_label("Name", exact=True).fill("Leaving prison")
    page.get_by_label("Why (optional)").first.fill("the room's words")
    page.get_by_role("button", name="Save name and description").click()
    expect(page.get_by_role("heading", name="Leaving prison", level=1)).to_be_visible()
    expect(page.get_by_text(f"Computer's name: “{machine_name}”")).to_be_visible()

    # Move a quote by drag-and-drop onto the "Drink and drugs" card.
    _open_board(page)
    source = page.locator(".theme-card", has=page.get_by_role("heading", name="Leaving prison"))
    target = page.locator(".theme-card", has=page.get_by_role("heading", name="Drink and drugs"))
    passage_id = source.locator(".quote").first.get_attribute("data-passage-id")
    quote = page.locator(f'.quote[data-passage-id="{passage_id}"]')
    with page.expect_navigation():
        quote.drag_to(target.locator("h2"))
    page.wait_for_load_state()
    target = page.locator(".theme-card", has=page.get_by_role("heading", name="Drink and drugs"))
    expect(target.locator(f'.quote[data-passage-id="{passage_id}"]')).to_have_count(1)
    expect(target.get_by_text("Moved by people").first).to_be_visible()

    # Merge two machine themes.
    others = page.locator(".theme-card:not(.outlier)").filter(has_not=page.locator(".badge.seed"))
    names = [n.strip() for n in others.locator("h2").all_inner_texts() if n.strip() != "Leaving prison"]
    source_name, target_name = names[-1], names[-2]
    page.get_by_role("link", name=source_name, exact=True).click()
    page.get_by_label("Merge this theme into").select_option(label=target_name)
    page.get_by_role("button", name="Merge").click()
    expect(page.get_by_role("heading", name=target_name, level=1)).to_be_visible()
    check_accessibility(page)

    # Play a quote of the spoken story. If none of its passages is among a card's key quotes, pin one
    # (on its theme's page) so the board shows it.
    _open_board(page)
    if not page.locator("button.play").count():
        theme_links = [a.get_attribute("href") for a in page.locator(".theme-card h2 a").all()]
        for href in theme_links:
            page.goto(href)
            if page.locator("button.play").count():
                break
        else:
            raise AssertionError("no passage of the spoken story can be played on any theme page")
        page.locator("li.passage", has=page.locator("button.play")).first.get_by_role("button", name="Pin as key quote").click()
        page.get_by_text("Pinned as a key quote.").wait_for()
        _open_board(page)
    play = page.locator("button.play").first
    expect(play).to_be_visible()
    with page.expect_response(lambda r: "/clips/" in r.url) as clip_info:
        play.click()
    clip = clip_info.value
    assert clip.status in (200, 206), clip.status
    assert clip.headers["content-type"].startswith("audio/"), clip.headers
    assert play.get_attribute("aria-pressed") == "true"
    page.wait_for_function("() => window.__played.length && !window.__played[0].paused"
                           " && window.__played[0].currentTime > 0.5", timeout=15000)
    assert not page.locator(".drag-status").inner_text().strip()  # no "could not be played"
    play.click()  # stop
    assert play.get_attribute("aria-pressed") == "false"

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
    _open_board(page)
    page.get_by_text("Find themes again").click()
    _find_themes_with_two_seeds(page)
    page.wait_for_selector(".run-info:has-text('decisions kept')", timeout=240_000)
    expect(page.get_by_role("heading", name="Leaving prison")).to_be_visible()
    assert page.get_by_role("heading", name=source_name, exact=True).count() == 0
    target = page.locator(".theme-card", has=page.get_by_role("heading", name="Drink and drugs"))
    expect(target.get_by_text("Moved by people").first).to_be_visible()
    expect(page.get_by_text(re.compile("kept the name people chose"))).to_be_visible()
    check_accessibility(page)
    page.screenshot(path=str(live_site.data_dir / "board-rerun.png"), full_page=True)
    assert not [e for e in errors if "Content Security Policy" in e], errors
