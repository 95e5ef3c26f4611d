"""The main navigation, worked out from the access rules: a link shows when its page would open.

Each entry names an endpoint; whether the current visitor sees it is `core.access`'s own
answer for that endpoint (the same rule `enforce_access` applies), so the menu can never
hide a page someone may open, nor offer one they may not.
"""
from __future__ import annotations

from flask import current_app, url_for

from core.access import access_rule, user_may

MAIN_NAV = (
    ("Home", "accounts.home"),
    ("Stories", "stories.index"),
    ("Themes", "themes.board"),
    ("Workshops", "workshops.index"),
    ("Actions", "workshops.actions"),
    ("Evidence", "evidence.index"),
    ("Search", "search.search_page"),
    ("Safeguarding", "governance.safeguarding_queue"),
    ("People", "accounts.users"),
    ("Audit", "audit.index"),
)


def nav_links() -> list[tuple[str, str, str]]:
    """(label, url, endpoint) of every main page the current visitor may open, in menu order."""
    links = []
    for label, endpoint in MAIN_NAV:
        if endpoint not in current_app.view_functions:
            continue  # a domain left out of DOMAINS
        rule = access_rule(endpoint)
        if rule is not None and user_may(rule):
            links.append((label, url_for(endpoint), endpoint))
    return links
