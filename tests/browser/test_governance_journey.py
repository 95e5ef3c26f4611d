"""Governance in a real browser: redaction review (text and clip), safeguarding queue,
consent withdrawal, and the audit log, on a live web + worker site."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import check_accessibility, sign_in

pytestmark = pytest.mark.browser

def _setup(live_site) -> tuple[int, int]:
    """Her spoken story naming a person and a place and a typed one with a disclosure, both sent to the check."""
    from accounts.services import get_user_by_email
    from governance import services
    from tests import factories
    from tests.governance.helpers import spoken_story

    with live_site.app_context():
        reporter = get_user_by_email("gina.reporter@example.org")
        named = spoken_story(reporter, ["My officer Sarah Jones moved me to Leeds.", "Now I help others."],
                             title="Moving on")
        risky = factories.make_story(reporter, title="A hard winter",
                                     text="Last winter I wanted to kill myself. My mentor helped me through it.")
        for story in (named, risky):
            services.start_scan(story, reporter)
        return named.id, risky.id


def _analysable(live_site) -> list[int]:
    from extensions import db
    from governance.policy import analysable_story_ids

    with live_site.app_context():
        return sorted(db.session.scalars(analysable_story_ids()).all())


def _scanned(story_id: int) -> bool:
    from extensions import db
    from governance.models import StoryGovernance

    gov = db.session.get(StoryGovernance, story_id)
    assert gov is None or gov.scan_state != "failed", "the check of the story failed"
    return gov is not None and gov.scan_state not in ("never", "pending")


def _words(live_site, story_id: int) -> list[dict]:
    """The word timings of the story's first sentence."""
    from extensions import db
    from stories.models import Story

    with live_site.app_context():
        return db.session.get(Story, story_id).segments[0].words


def test_redaction_safeguarding_withdrawal_and_audit(live_site, new_page):
    from tests.governance.helpers import tone_ratio

    live_site.create_user("gina.reporter@example.org", "reporter")
    live_site.create_user("sam.lead@example.org", "safeguarding_lead")
    live_site.create_user("ada.admin@example.org", "admin")
    named, risky = _setup(live_site)

    reporter = new_page()
    sign_in(reporter, "gina.reporter@example.org")
    live_site.wait_until(lambda: _scanned(named), timeout=180, what="the check of the named story")
    reporter.goto(f"/stories/{named}/redactions")  # the worker ran the check (spaCy, embeddings) in the background
    expect(reporter.locator(".gv-item").nth(1)).to_be_visible()  # two suggestions at least
    expect(reporter.get_by_text("still running")).to_have_count(0)
    check_accessibility(reporter)
    items = reporter.locator(".gv-item")
    texts = [items.nth(i).inner_text() for i in range(items.count())]
    assert any("Sarah Jones" in t and "Suggested" in t for t in texts), texts
    assert any("Leeds" in t and "Suggested" in t for t in texts), texts
    reporter.screenshot(path=str(live_site.data_dir / "review-before.png"), full_page=True)
    reporter.get_by_role("button", name="Hide “Sarah Jones”").click()
    reporter.get_by_role("button", name="Hide “Leeds”").click()
    check_accessibility(reporter)
    assert reporter.locator(".gv-item.gv-accepted").count() == 2
    shown = reporter.locator("#gv-redacted").inner_text()
    assert "My officer [name] moved me to [place]." in shown and "Sarah" not in shown
    reporter.screenshot(path=str(live_site.data_dir / "review-after.png"), full_page=True)
    # The redacted clip of the first sentence: a tone where the name was.
    html = reporter.content()
    assert "<audio" in html, html[html.find("What others"):][:1500] + str(_analysable(live_site))
    src = reporter.locator("audio").first.get_attribute("src")
    assert src.startswith("/clips/")
    clip = reporter.request.get(src)
    assert clip.status == 200
    path = live_site.data_dir / "heard.mp3"
    path.write_bytes(clip.body())
    words = _words(live_site, named)
    assert tone_ratio(path, words[2]["start"] + 0.05, words[3]["end"] - 0.05) > 0.9
    assert tone_ratio(path, words[0]["start"], words[1]["end"]) < 0.3

    # The disclosure waits in the lead's queue and is in no analysis.
    assert risky not in _analysable(live_site)
    lead = new_page()
    sign_in(lead, "sam.lead@example.org")
    lead.get_by_role("link", name="Safeguarding").first.click()
    check_accessibility(lead)
    lead.get_by_role("link", name="A hard winter").click()
    check_accessibility(lead)
    assert "kill myself" in lead.locator(".gv-flagged").inner_text()
    lead.screenshot(path=str(live_site.data_dir / "safeguarding.png"), full_page=True)
    lead.get_by_label(re.compile("^No action needed")).check()
    lead.get_by_label("Note of what you decided and why").fill("Past, known to her officer; support in place.")
    lead.get_by_role("button", name="Record decision").click()
    check_accessibility(lead)
    assert "Nothing is waiting" in lead.content()
    assert {named, risky} <= set(_analysable(live_site))

    # Withdrawing consent removes the story from analysis at once.
    reporter.goto(f"/stories/{named}/consent/withdraw")
    check_accessibility(reporter)
    reporter.get_by_label("Why (optional)").fill("She moved away and asked us to stop.")
    reporter.get_by_role("button", name="Withdraw consent now").click()
    assert named not in _analysable(live_site)
    assert reporter.request.get(src).status == 404

    admin = new_page()
    sign_in(admin, "ada.admin@example.org")
    admin.goto("/admin/audit")
    check_accessibility(admin)
    log = admin.locator("table").inner_text()
    for action in ("governance.scanned", "redaction.accepted", "safeguarding.flagged", "safeguarding.decided",
                   "consent.withdrawn", "story.viewed_unredacted"):
        assert action in log, action
    admin.screenshot(path=str(live_site.data_dir / "audit.png"), full_page=True)
    admin.goto("/admin/governance")
    check_accessibility(admin)
