"""What each role sees first when they sign in."""
from __future__ import annotations

from sqlalchemy import func, select

from extensions import db


def home_panels(user) -> list[dict]:
    """Panels for the home page, one per role the user holds, most hands-on first."""
    from stories.models import Story

    panels = []
    if user.has_role("reporter"):
        mine = db.session.scalars(
            select(Story).where(Story.reporter_id == user.id).order_by(Story.created_at.desc()).limit(10)
        ).all()
        panels.append({
            "role": "reporter", "title": "Your stories",
            "text": "Add a story you recorded, or record one now. Then check the words are right.",
            "links": [("Add a story", "stories.new"), ("All your stories", "stories.index")],
            "stories": mine, "empty": "You have no stories yet.",
        })
    if user.has_role("facilitator"):
        panels.append({
            "role": "facilitator", "title": "Themes and workshops",
            "text": "Find the themes across the stories, shape them with the group, and plan workshops.",
            "links": [("Theme board", "themes.board"), ("Workshops", "workshops.index")],
        })
    if user.has_role("manager"):
        panels.append({
            "role": "manager", "title": "Design actions",
            "text": "What the service decided to change, and the stories behind each decision.",
            "links": [("Design actions", "workshops.actions")],
        })
    if user.has_role("safeguarding_lead"):
        panels.append({
            "role": "safeguarding_lead", "title": "Safeguarding",
            "text": "Stories that may show a risk of harm wait here for your decision.",
            "links": [("Safeguarding queue", "governance.safeguarding_queue")],
        })
    if user.has_role("admin"):
        count = db.session.scalar(select(func.count()).select_from(Story))
        panels.append({
            "role": "admin", "title": "Administration",
            "text": f"People, settings and the audit log. {count} stories are held.",
            "links": [("Manage people", "accounts.users"), ("Audit log", "audit.index"), ("Privacy settings", "governance.settings"), ("Check the worker", "jobs.selfcheck")],
        })
    return panels
