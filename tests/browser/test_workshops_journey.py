"""From themes to change, in a real browser: plan, present (offline too), pack, decide; a manager follows up."""
from __future__ import annotations

import re
import subprocess
import zipfile
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import check_accessibility, sign_in

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/workshops-shots")

def _seed(live_site) -> dict:
    """The reporter's stories (two spoken, three typed) and a finished theme run on them."""
    from accounts.models import User
    from extensions import db
    from tests.workshops.helpers import build_world

    with live_site.app_context():
        reporter = db.session.scalars(db.select(User).where(User.email == "wren.reporter@example.org")).one()
        return build_world(reporter=reporter, audio=2, text_stories=3)


def _shot(page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _plays(page, selector: str) -> bool:
    """Start the audio element and report whether time moved on (a real decode, not just a tag)."""
    return page.evaluate("""async (sel) => {
        const a = document.querySelector(sel);
        a.muted = true;
        await a.play();
        await new Promise(r => setTimeout(r, 700));
        const moved = a.currentTime > 0.1;
        a.pause();
        return moved;
    }""", selector)


def test_from_themes_to_change(live_site, new_page, tmp_path):
    live_site.create_user("fran.facilitator@example.org", "facilitator", name="Fran")
    live_site.create_user("max.manager@example.org", "manager", name="Max")
    live_site.create_user("wren.reporter@example.org", "reporter", name="Wren")
    world = _seed(live_site)

    # --- the facilitator plans the workshop from the theme run ---
    page = new_page()
    sign_in(page, "fran.facilitator@example.org")
    page.get_by_role("link", name="Workshops", exact=True).first.click()
    check_accessibility(page)
    page.get_by_role("link", name="Plan a workshop").click()
    check_accessibility(page)
    page.get_by_role("link", name=re.compile(f"Theme run {world['run_id']}")).click()
    check_accessibility(page)
    page.get_by_label("Title", exact=True).fill("Getting here and staying housed")
    page.get_by_label("Date", exact=True).fill((date.today() + timedelta(days=3)).isoformat())
    page.get_by_label("Place", exact=True).fill("Hope Street, room 2")
    page.get_by_label("Who is coming").fill("Sam (peer mentor)\nTwo case managers\nMax (manager)")
    page.get_by_label("Prompts for “Getting to appointments”").fill("What makes it hard to get here?\nWhat would we do differently?")
    _shot(page, "01-plan")
    page.get_by_role("button", name="Create workshop").click()
    expect(page.get_by_text("The workshop is planned")).to_be_visible()
    check_accessibility(page)
    workshop_url = page.url

    # --- present mode: one theme per screen, keyboard, clips, offline once loaded ---
    page.get_by_role("link", name="Present").click()
    check_accessibility(page)
    expect(page.get_by_role("heading", name="Getting here and staying housed")).to_be_visible()
    page.keyboard.press("ArrowRight")
    expect(page.get_by_role("heading", name="Getting to appointments")).to_be_visible()
    expect(page.get_by_text("What makes it hard to get here?")).to_be_visible()
    check_accessibility(page)
    _shot(page, "02-present")
    assert page.locator(".slide:not([hidden]) button.play").count() >= 2
    assert _plays(page, ".slide:not([hidden]) audio")
    page.wait_for_function("() => document.body.dataset.offline === 'ready'", timeout=30000)
    present_url = page.url
    page.context.set_offline(True)
    page.goto(present_url.split("#")[0])
    expect(page.get_by_role("heading", name="Getting here and staying housed")).to_be_visible()
    page.keyboard.press("ArrowRight")
    assert _plays(page, ".slide:not([hidden]) audio")  # the clip comes from the laptop's cache
    page.context.set_offline(False)

    # --- the pack: built by the worker with a progress bar, then downloaded ---
    page.goto(workshop_url)
    page.get_by_role("button", name="Make the pack").click()
    page.get_by_test_id("download-pack").wait_for(timeout=90000)
    check_accessibility(page)
    with page.expect_download() as info:
        page.get_by_test_id("download-pack").click()
    zip_path = tmp_path / "pack.zip"
    info.value.save_as(zip_path)
    unpacked = tmp_path / "pack"
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(unpacked)
    clips = sorted((unpacked / "clips").glob("*.mp3"))
    assert len(clips) >= 2
    subprocess.run(["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "4", str(unpacked / "pack.pdf"), str(SHOTS / "03-pdf")],
                   check=True)
    viewer = new_page()
    viewer.goto((unpacked / "index.html").as_uri())
    expect(viewer.get_by_text("Getting to appointments").first).to_be_visible()
    assert _plays(viewer, "audio")
    _shot(viewer, "04-offline-viewer")

    # --- two design actions citing quotes ---
    for title, due, owner in (("Bus passes at the first appointment", date.today() - timedelta(days=2), "Office manager"),
                              ("Keep the same case manager", date.today() + timedelta(days=60), "Team leader")):
        page.goto(workshop_url)
        page.get_by_role("link", name="Record a design action").click()
        check_accessibility(page)
        page.get_by_label("Title", exact=True).fill(title)
        page.get_by_label("What will change for people on probation").fill("People on probation will notice: " + title.lower())
        page.get_by_label("Owner", exact=True).fill(owner)
        page.get_by_label("Due date", exact=True).fill(due.isoformat())
        page.get_by_label("Who proposed it").fill("Sam, peer mentor")
        page.get_by_label("Disagreement or minority view").fill("One manager worried about the cost.")
        page.get_by_label("Getting to appointments", exact=True).check()
        page.get_by_label(re.compile("four pounds 0")).check()
        _shot(page, "05-action-form")
        page.get_by_role("button", name="Record action").click()
        expect(page.get_by_text(f"Action recorded: {title}")).to_be_visible()
    check_accessibility(page)

    # --- a manager filters to overdue actions and hears the evidence ---
    manager = new_page()
    sign_in(manager, "max.manager@example.org")
    manager.get_by_role("link", name="Design actions").first.click()
    check_accessibility(manager)
    manager.get_by_label("Due", exact=True).select_option("overdue")
    manager.get_by_role("button", name="Show actions").click()
    expect(manager.get_by_role("link", name="Bus passes at the first appointment")).to_be_visible()
    assert manager.get_by_role("link", name="Keep the same case manager").count() == 0
    check_accessibility(manager)
    _shot(manager, "06-dashboard")
    manager.get_by_role("link", name="Bus passes at the first appointment").click()
    check_accessibility(manager)
    expect(manager.get_by_text("four pounds 0").first).to_be_visible()
    assert _plays(manager, "audio")
    manager.get_by_label("Comment").fill("Is the budget agreed?")
    manager.get_by_role("button", name="Add to the timeline").click()
    expect(manager.get_by_text("Is the budget agreed?")).to_be_visible()
    _shot(manager, "07-action-evidence")

    # --- the reporter sees what came of the cited story ---
    reporter = new_page()
    sign_in(reporter, "wren.reporter@example.org")
    reporter.goto(f"/stories/{world['audio_story_ids'][0]}")
    expect(reporter.get_by_role("heading", name="What came of this story")).to_be_visible()
    expect(reporter.get_by_text("Bus passes at the first appointment")).to_be_visible()
    check_accessibility(reporter)
    _shot(reporter, "08-story-outcomes")
