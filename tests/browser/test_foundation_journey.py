"""A newcomer's first minutes: the admin creates a reporter, who signs in elsewhere."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PASSWORD, check_accessibility, sign_in

pytestmark = pytest.mark.browser

HOME_HEADINGS = {
    "reporter": "Your stories",
    "facilitator": "Themes and workshops",
    "manager": "Design actions",
    "safeguarding_lead": "Safeguarding",
    "admin": "Administration",
}


def test_admin_creates_a_reporter_who_signs_in_in_another_browser(live_site, new_page):
    live_site.create_user("first.admin@example.org", "admin")
    admin = new_page()
    sign_in(admin, "first.admin@example.org")
    check_accessibility(admin)
    admin.get_by_role("link", name="Manage people").click()
    check_accessibility(admin)
    admin.get_by_role("link", name="Add a person").click()
    check_accessibility(admin)
    admin.get_by_label("Email").fill("rita.reporter@example.org")
    admin.get_by_label("Name").fill("Rita")
    admin.get_by_label(re.compile("^Reporter")).check()
    admin.get_by_role("button", name="Create account").click()
    check_accessibility(admin)
    one_time = admin.get_by_test_id("one-time-password").inner_text().strip()

    reporter = new_page()  # another browser context: its own cookies
    sign_in(reporter, "rita.reporter@example.org", one_time)
    assert "/account/password" in reporter.url
    check_accessibility(reporter)
    reporter.get_by_label("Current password").fill(one_time)
    reporter.get_by_label("New password", exact=True).fill("rita-chose-this-one-3")
    reporter.get_by_label("New password again").fill("rita-chose-this-one-3")
    reporter.get_by_role("button", name="Change password").click()
    expect(reporter.get_by_role("heading", name="Your stories")).to_be_visible()
    expect(reporter.get_by_text("You have no stories yet.")).to_be_visible()
    check_accessibility(reporter)
    assert reporter.get_by_role("link", name="People", exact=True).count() == 0


@pytest.mark.parametrize("role", list(HOME_HEADINGS))
def test_each_role_reaches_its_home(live_site, new_page, role):
    email = "home." + role.replace("_", ".") + "@example.org"
    live_site.create_user(email, role)
    page = new_page()
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(page, email)
    expect(page.get_by_role("heading", name=HOME_HEADINGS[role], exact=True)).to_be_visible()
    check_accessibility(page)
    assert not [e for e in errors if "Content Security Policy" in e], errors


def test_wrong_password_shows_a_clear_message(live_site, new_page):
    live_site.create_user("wrong.pw@example.org", "reporter")
    page = new_page()
    sign_in(page, "wrong.pw@example.org", "not-the-password")
    expect(page.get_by_text("That email or password is not right.")).to_be_visible()
    check_accessibility(page)


def test_a_phone_sized_screen_keeps_big_targets(live_site, new_page):
    live_site.create_user("phone@example.org", "reporter")
    page = new_page(viewport={"width": 390, "height": 844})
    sign_in(page, "phone@example.org")
    box = page.get_by_role("button", name="Sign out").bounding_box()
    assert box["height"] >= 24
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
