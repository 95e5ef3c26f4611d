"""The main navigation comes from the access rules: every page a person may open is in it, and no other."""
import re

import pytest

from config import ROLES
from core.nav import MAIN_NAV


def _nav_hrefs(html: str) -> list[str]:
    nav = re.search(r'<nav aria-label="Main">(.*?)</nav>', html, re.S).group(1)
    return re.findall(r'href="([^"]+)"', nav)


@pytest.mark.parametrize("role", ROLES)
def test_the_menu_offers_exactly_the_main_pages_the_role_may_open(app, client, users, login, role):
    login(client, users[role])
    shown = _nav_hrefs(client.get("/").get_data(as_text=True))
    with app.test_request_context():
        from flask import url_for

        urls = {endpoint: url_for(endpoint) for _, endpoint in MAIN_NAV}
    may_open = [url for url in urls.values() if client.get(url).status_code == 200]
    assert shown == may_open


def test_facilitators_find_stories_and_managers_find_themes(app, client, users, login):
    login(client, users["facilitator"])
    assert "/stories" in _nav_hrefs(client.get("/").get_data(as_text=True))
    client.post("/logout")
    login(client, users["manager"])
    assert "/themes" in _nav_hrefs(client.get("/").get_data(as_text=True))
