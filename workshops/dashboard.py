"""The managers' dashboard: filtered actions, summary charts and the CSV of actions."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from config import PALETTE
from extensions import db
from themes.read import list_runs, prevalence
from workshops.models import ACTION_STATUSES, OPEN_STATUSES, ActionEvidence, DesignAction, Workshop


def filter_actions(*, status=None, theme_id=None, owner=None, workshop_id=None, due=None):
    """A select() of actions for the dashboard, the CSV export and the API."""
    from sqlalchemy.orm import selectinload

    stmt = (select(DesignAction).options(selectinload(DesignAction.evidence))
            .order_by(DesignAction.due_date.is_(None), DesignAction.due_date, DesignAction.id))
    if status:
        stmt = stmt.where(DesignAction.status == status)
    if theme_id:
        stmt = stmt.where(DesignAction.id.in_(select(ActionEvidence.action_id).where(
            ActionEvidence.kind == "theme", ActionEvidence.ref_id == int(theme_id))))
    if owner:
        stmt = stmt.where(DesignAction.owner.ilike(f"%{owner}%"))
    if workshop_id:
        stmt = stmt.where(DesignAction.workshop_id == int(workshop_id))
    today = date.today()
    if due == "overdue":
        stmt = stmt.where(DesignAction.due_date < today, DesignAction.status.in_(OPEN_STATUSES))
    elif due == "soon":
        from datetime import timedelta

        stmt = stmt.where(DesignAction.due_date >= today, DesignAction.due_date <= today + timedelta(days=30),
                          DesignAction.status.in_(OPEN_STATUSES))
    elif due == "none":
        stmt = stmt.where(DesignAction.due_date.is_(None))
    return stmt


def cited_themes() -> list:
    from themes.models import Theme

    ids = select(ActionEvidence.ref_id).where(ActionEvidence.kind == "theme")
    return db.session.scalars(select(Theme).where(Theme.id.in_(ids)).order_by(Theme.label)).all()


def chart_data() -> dict:
    """Counts for the summary charts: actions by status, by theme, and themes with stories but no action."""
    from themes.models import Theme

    from sqlalchemy.orm import selectinload

    actions = db.session.scalars(select(DesignAction).options(selectinload(DesignAction.evidence))).all()
    by_status = [(ACTION_STATUSES[s], sum(1 for a in actions if a.status == s), s) for s in ACTION_STATUSES]
    counts: dict[int, int] = {}
    for a in actions:
        for tid in a.theme_ids:
            counts[tid] = counts.get(tid, 0) + 1
    by_theme = []
    named = {t.id: t for t in db.session.scalars(select(Theme).where(Theme.id.in_(list(counts))))} if counts else {}
    for tid, n in counts.items():
        theme = named.get(tid)
        by_theme.append((theme.label if theme else f"Theme {tid} (removed)", n, tid))
    by_theme.sort(key=lambda r: (-r[1], r[0]))
    # Gaps: themes of the runs workshops drew on (or the newest run) with stories but no action.
    run_ids = set(db.session.scalars(select(Workshop.theme_run_id).where(Workshop.theme_run_id.is_not(None))))
    if not run_ids:
        runs = list_runs()
        run_ids = {runs[0].id} if runs else set()
    gaps = []
    for theme in db.session.scalars(select(Theme).where(Theme.run_id.in_(run_ids))):
        if theme.merged_into_id is not None or theme.is_outlier or theme.id in counts:
            continue
        n = prevalence(theme)["story_count"]
        if n:
            gaps.append((theme.label, n, theme.id))
    gaps.sort(key=lambda r: (-r[1], r[0]))
    return {"by_status": by_status, "by_theme": by_theme, "gaps": gaps[:10]}


def bar_chart(rows, *, title: str, colour: str = PALETTE["brand"], unit: str = "actions") -> dict:
    """Geometry for a horizontal SVG bar chart (drawn by templates/workshops/_chart.html)."""
    rows = [(label, int(n)) for label, n, *_ in rows]
    top = max([n for _, n in rows] or [0]) or 1
    bar_h, gap, label_w, width = 30, 12, 250, 560
    bars = []
    for i, (label, n) in enumerate(rows):
        y = i * (bar_h + gap)
        bars.append({"label": label if len(label) <= 26 else label[:25] + "\u2026", "full": label, "n": n, "y": y,
                     "w": round((width - label_w - 60) * n / top, 1)})
    return {"title": title, "bars": bars, "height": max(1, len(rows)) * (bar_h + gap), "width": width,
            "label_w": label_w, "bar_h": bar_h, "colour": colour, "unit": unit}


def actions_csv(actions) -> str:
    from core.csvout import csv_text

    header = ["id", "title", "what will change for people on probation", "owner", "due date", "status",
              "reason", "overdue", "workshop", "proposed by", "disagreement or minority view", "theme ids",
              "story ids", "quote ids", "updated"]
    rows = ([a.id, a.title, a.description, a.owner, a.due_date.isoformat() if a.due_date else "", a.status_label,
             a.status_reason, "yes" if a.is_overdue else "", a.workshop.title if a.workshop else "", a.proposed_by,
             a.disagreement, " ".join(map(str, a.theme_ids)), " ".join(map(str, a.story_ids)),
             " ".join(map(str, a.quote_ids)), a.updated_at.isoformat(timespec="minutes")] for a in actions)
    return csv_text(header, rows)
