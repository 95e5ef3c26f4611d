"""Evidence journeys: a facilitator searches, plays a hit, makes and trims a quote, files it under a theme and
downloads the PowerPoint; a manager follows an action to its theme and a story summary; a reporter opens the
"you said, we did" page."""
import io

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import check_accessibility, serve_site, sign_in

pytestmark = pytest.mark.browser

def _seed(live_site) -> dict:
    """A spoken story with word timings, a theme run made by hand, a workshop and an action on one of its themes."""
    from accounts.models import User
    from extensions import db
    from tests.themes.helpers import make_run_by_hand
    from tests.workshops.helpers import audio_story
    from workshops import actions, planning

    with live_site.app_context():
        reporter = db.session.scalar(db.select(User).where(User.email == "ev.reporter@example.org"))
        sentences = ["My probation officer rang me back the same day", "That changed how I felt about reporting",
                     "The hostel staff helped me fill in the forms"]
        story = audio_story(reporter, title="Rung back the same day", sentences=sentences)
        for segment in story.segments:  # word timings, as the transcriber leaves them
            words, t = [], segment.start
            step = (segment.end - segment.start) / len(segment.text.split())
            for word in segment.text.split():
                words.append({"start": round(t, 3), "end": round(t + step * 0.9, 3), "text": " " + word})
                t += step
            segment.words = words
        db.session.commit()
        run = make_run_by_hand({"Being listened to": [(story, sentences[0])],
                                "Help with forms": [(story, sentences[2])]})
        themes = {t.label: t.id for t in run.themes}
        workshop = planning.create_workshop({"title": "Listening week", "theme_run_id": run.id,
                                             "theme_ids": list(themes.values()), "story_ids": [story.id]})
        actions.create_action({"title": "Call back within a day", "status": "agreed", "workshop_id": workshop.id,
                               "theme_ids": [themes["Being listened to"]], "story_ids": [story.id]})
        return {"story": story.id, "workshop": workshop.id}


def _shot(page, name):
    """Save a screenshot when STORYLOOM_SCREENSHOTS names a folder (to look at the pages by eye)."""
    import os

    folder = os.environ.get("STORYLOOM_SCREENSHOTS")
    if folder:
        page.screenshot(path=f"{folder}/{name}.png", full_page=True)


RECORD_PLAYED_AUDIO = """
window.__played = [];
const play = HTMLMediaElement.prototype.play;
HTMLMediaElement.prototype.play = function () { window.__played.push(this); return play.apply(this, arguments); };
"""


@pytest.fixture(scope="module")
def live_site(tmp_path_factory):
    """A site of its own: this journey adds stories and a theme run that the other journeys' boards do not expect."""
    with serve_site(tmp_path_factory) as site:
        yield site


@pytest.fixture(scope="module")
def seeded(live_site):
    for email, role in (("ev.reporter@example.org", "reporter"), ("ev.facilitator@example.org", "facilitator"),
                        ("ev.manager@example.org", "manager")):
        live_site.create_user(email, role)
    return _seed(live_site)


def test_facilitator_searches_plays_quotes_trims_files_and_downloads(new_page, seeded, tmp_path):
    page = new_page()
    page.add_init_script(RECORD_PLAYED_AUDIO)
    sign_in(page, "ev.facilitator@example.org")
    page.get_by_role("link", name="Search").click()
    expect(page.get_by_role("heading", name="Search the stories")).to_be_visible()
    page.get_by_label("Words to look for").fill("officer")
    page.get_by_role("button", name="Search").click()
    expect(page.locator(".hit mark").first).to_have_text("officer")
    check_accessibility(page)
    _shot(page, "search")
    page.get_by_role("button", name="Play this part of Rung back the same day").click()
    page.wait_for_function("() => window.__played.length === 1 && window.__played[0].readyState >= 2", timeout=60_000)

    page.get_by_role("link", name="Make a quote").click()
    expect(page.get_by_role("heading", name="Make a quote")).to_be_visible()
    words = page.locator("[data-quote-words] span.w")
    expect(words.first).to_be_visible()
    check_accessibility(page)
    start, end = words.nth(2).bounding_box(), words.nth(4).bounding_box()  # "officer" .. "me"
    page.mouse.move(start["x"] + 2, start["y"] + start["height"] / 2)
    page.mouse.down()
    page.mouse.move(end["x"] + end["width"] - 2, end["y"] + end["height"] / 2, steps=8)
    page.mouse.up()
    expect(page.locator("[data-quote-text]")).to_have_text("“officer rang me”")
    page.get_by_role("link", name="End one word later ▶").click()
    expect(page.locator("[data-quote-text]")).to_have_text("“officer rang me back”")
    _shot(page, "quote-new")
    assert page.locator("audio[data-quote-audio]").get_attribute("src").startswith("/clips/")
    page.get_by_label("Put it under a theme").select_option(label="Being listened to")
    page.get_by_role("button", name="Save quote").click()
    expect(page.get_by_text("Quote saved under “Being listened to”.")).to_be_visible()
    page.get_by_role("link", name="Theme: Being listened to").click()
    expect(page.get_by_role("heading", name="Being listened to", exact=True)).to_be_visible()
    expect(page.locator(".theme-quotes blockquote p")).to_have_text("“officer rang me back”")

    page.get_by_role("link", name="Theme reel (sound and captioned video)").click()
    expect(page.get_by_role("heading", name="Theme reel: Being listened to")).to_be_visible()
    page.get_by_role("button", name="Build the reel").click()
    video = page.locator("video[data-reel-video]")
    expect(video).to_be_visible(timeout=120_000)  # the worker has built it (the page reloads when the job ends)
    check_accessibility(page)
    _shot(page, "reel")
    page.wait_for_function("() => document.querySelector('video[data-reel-video]').readyState >= 1", timeout=60_000)
    video.evaluate("v => { v.muted = true; return v.play(); }")
    page.wait_for_function("() => document.querySelector('video[data-reel-video]').currentTime > 0.2", timeout=60_000)
    captions = page.request.get(page.locator("video track").get_attribute("src"))
    assert captions.ok and "officer rang me back" in captions.text()

    # On the board the quote sits under its theme; drag it onto another (the "Move to…" form is the keyboard way).
    page.get_by_role("link", name="Themes", exact=True).first.click()
    expect(page.get_by_role("heading", name="Theme board")).to_be_visible()
    source = page.locator(".theme-card", has=page.get_by_role("heading", name="Being listened to"))
    made = source.locator(".quote.made")
    expect(made.locator("blockquote")).to_have_text("officer rang me back")  # the marks come from the CSS
    expect(made.get_by_text("Move to…")).to_be_visible()
    check_accessibility(page)
    page.set_viewport_size({"width": 1400, "height": 2000})  # both cards in view: a drag does not scroll
    with page.expect_navigation():
        made.locator("blockquote").drag_to(page.locator(".theme-card", has=page.get_by_role("heading", name="Help with forms")).locator("h2"))
    target = page.locator(".theme-card", has=page.get_by_role("heading", name="Help with forms"))
    expect(target.locator(".quote.made blockquote")).to_have_text("officer rang me back")
    assert not page.locator(".drag-status").inner_text().strip()
    expect(page.locator(".theme-card", has=page.get_by_role("heading", name="Being listened to"))
           .locator(".quote.made")).to_have_count(0)

    page.goto(f"/workshops/{seeded['workshop']}")
    expect(page.get_by_role("heading", name="Listening week")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_test_id("download-pptx").click()
    saved = tmp_path / "deck.pptx"
    download.value.save_as(saved)
    from pptx import Presentation

    deck = Presentation(str(saved))
    assert len(deck.slides) == 3  # title + two themes


def test_manager_follows_an_action_to_the_theme_and_a_story_summary(new_page, seeded):
    page = new_page()
    sign_in(page, "ev.manager@example.org")
    page.get_by_role("link", name="Actions", exact=True).click()
    expect(page.get_by_role("heading", name="Design actions")).to_be_visible()
    page.get_by_role("link", name="Call back within a day").click()
    expect(page.get_by_role("heading", name="Call back within a day")).to_be_visible()
    page.get_by_role("link", name="Theme: Being listened to").click()
    expect(page.get_by_role("heading", name="Theme: Being listened to")).to_be_visible()
    expect(page.get_by_text("My probation officer rang me back the same day")).to_be_visible()
    check_accessibility(page)
    _shot(page, "manager-theme")
    page.go_back()
    expect(page.get_by_role("heading", name="Call back within a day")).to_be_visible()
    page.get_by_role("link", name="Rung back the same day").click()
    expect(page.get_by_role("heading", name="Rung back the same day")).to_be_visible()
    expect(page.get_by_role("link", name="Being listened to")).to_be_visible()
    check_accessibility(page)
    page.get_by_role("link", name="Themes", exact=True).click()
    expect(page.get_by_role("heading", name="Theme board")).to_be_visible()  # managers see it read-only
    expect(page.get_by_role("link", name="Help with forms").first).to_be_visible()


PRINTS = "window.__printed = 0; window.print = () => { window.__printed += 1; };"  # the dialog itself is the OS's


def test_reporter_prints_and_plays_you_said_we_did(new_page, seeded):
    page = new_page()
    page.add_init_script(RECORD_PLAYED_AUDIO)
    page.add_init_script(PRINTS)
    sign_in(page, "ev.reporter@example.org")
    page.goto(f"/stories/{seeded['story']}")
    page.get_by_role("link", name="You said, we did").click()
    expect(page.get_by_role("heading", name="You said, we did")).to_be_visible()
    expect(page.get_by_text("Call back within a day")).to_be_visible()
    check_accessibility(page)
    _shot(page, "you-said")
    page.get_by_role("button", name="Print this page").click()
    page.wait_for_function("() => window.__printed === 1", timeout=10_000)
    listen = page.get_by_label("Listen to this page read aloud")
    listen.evaluate("a => { a.muted = true; return a.play(); }")  # its own controls' play, as a click would
    page.wait_for_function("() => window.__played.length === 1 && window.__played[0].currentTime > 0.2", timeout=60_000)
    audio = page.locator("audio").first.get_attribute("src")
    response = page.request.get(audio)
    assert response.status == 200 and response.headers["content-type"] == "audio/wav" and len(response.body()) > 20_000
    page.emulate_media(media="print")
    expect(page.get_by_role("button", name="Print this page")).to_be_hidden()
