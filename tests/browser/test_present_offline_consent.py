"""Present mode's offline copies stay within consent, in a real Chromium with the real service worker:
a withdrawn story's clip leaves the laptop's cache on the next load, and signing out leaves nothing.
(The seven-day expiry runs against a clock in tests/workshops/test_present_service_worker.py.)"""
from __future__ import annotations

import pytest

from tests.browser.conftest import serve_site, sign_in

pytestmark = pytest.mark.browser

def _seed(live_site) -> dict:
    """Two spoken stories and a typed one of the reporter's, a theme run, a quote people chose of each spoken
    story (its words selected by their timings) and a workshop on them."""
    from accounts.models import User
    from extensions import db
    from stories.models import Story
    from tests.workshops.helpers import build_world, time_words, workshop_data
    from themes.quote_models import Quote
    from workshops.planning import create_workshop

    with live_site.app_context():
        reporter = db.session.scalars(db.select(User).where(User.email == "rory.reporter@example.org")).one()
        world = build_world(reporter=reporter, audio=2, text_stories=1)
        chosen = {}
        for sid in world["audio_story_ids"]:
            time_words(db.session.get(Story, sid))
            quote = Quote(story_id=sid, theme_id=world["theme_ids"][0], start=3.0, end=5.8)
            db.session.add(quote)
            db.session.commit()
            chosen[sid] = quote.id
        workshop = create_workshop(workshop_data(world, title="Offline within consent"))
        return {"workshop_id": workshop.id, "audio": world["audio_story_ids"], "quotes": world["quotes"],
                "chosen": chosen}


def _withdraw(live_site, story_id: int) -> None:
    from extensions import db
    from governance.consent import withdraw_consent
    from stories.models import Story

    with live_site.app_context():
        withdraw_consent(db.session.get(Story, story_id), reason="storyteller asked")
        db.session.commit()


@pytest.fixture(scope="module")
def live_site(tmp_path_factory):
    """A site of its own: this journey adds stories, a theme run and a workshop the other journeys do not expect."""
    with serve_site(tmp_path_factory) as site:
        yield site


CACHED = """async () => {
    const out = [];
    for (const name of await caches.keys()) {
        for (const request of await (await caches.open(name)).keys()) out.push(new URL(request.url).pathname);
    }
    return out;
}"""


def _clip_quotes(paths: list[str], under: str = "/workshops/clips/") -> set[int]:
    """Ids of the clips kept: key passages' (under /workshops/clips/) or chosen quotes' (…/clips/quotes/)."""
    return {int(p[len(under):].split(".")[0]) for p in paths if p.startswith(under) and p[len(under):][:1].isdigit()}


QUOTES = "/workshops/clips/quotes/"


def _present_ready(page, url: str) -> None:
    page.goto(url)
    page.wait_for_function("() => document.body.dataset.offline === 'ready'", timeout=30000)


def test_a_withdrawn_clip_leaves_the_offline_cache_and_sign_out_leaves_nothing(live_site, new_page):
    live_site.create_user("pia.presenter@example.org", "facilitator", name="Pia")
    live_site.create_user("rory.reporter@example.org", "reporter", name="Rory")
    world = _seed(live_site)
    first, second = world["audio"]
    quotes_of = {int(k): set(v) for k, v in world["quotes"].items()}

    page = new_page()
    sign_in(page, "pia.presenter@example.org")
    present = f"/workshops/{world['workshop_id']}/present"
    _present_ready(page, present)
    kept = _clip_quotes(page.evaluate(CACHED))
    assert kept & quotes_of[first] and kept & quotes_of[second], kept  # both stories' clips are on the laptop
    chosen = world["chosen"]
    assert _clip_quotes(page.evaluate(CACHED), QUOTES) == {chosen[first], chosen[second]}  # and the chosen quotes'

    _withdraw(live_site, first)
    _present_ready(page, present)
    kept = _clip_quotes(page.evaluate(CACHED))
    assert not kept & quotes_of[first], "a withdrawn story's clip is still in the offline cache"
    assert kept & quotes_of[second]
    assert _clip_quotes(page.evaluate(CACHED), QUOTES) == {chosen[second]}, "a withdrawn story's quote is kept"
    page.context.set_offline(True)
    page.goto(present)
    page.locator("#slide-0-h").wait_for()
    assert page.locator(f'audio[src*="/workshops/clips/{min(quotes_of[first])}."]').count() == 0
    assert page.locator(f'audio[src*="{QUOTES}{chosen[first]}."]').count() == 0
    assert page.locator(f'audio[src*="{QUOTES}{chosen[second]}."]').count() == 1  # offline, the kept page still has it
    kept_clip = page.locator(f'audio[src*="{QUOTES}{chosen[second]}."]').get_attribute("src")
    heard = page.evaluate("async (u) => { const r = await fetch(u); return [r.status, r.headers.get('content-type')]; }",
                          kept_clip)
    assert heard[0] == 200 and heard[1].startswith("audio/"), heard  # and plays from the laptop, offline
    page.context.set_offline(False)

    page.goto("/")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()
    page.wait_for_function("async () => (await caches.keys()).length === 0", timeout=10000)
    assert page.evaluate(CACHED) == []
    page.context.set_offline(True)
    response = None
    try:
        response = page.goto(present)
    except Exception:  # offline with nothing cached: the browser's own error page
        pass
    assert response is None or "Offline within consent" not in page.content()
    page.context.set_offline(False)
