"""Safeguarding alerts: the queue in order of severity, urgent flags told to the leads at once.

- The queue shows each waiting story's flags: category, severity and the
  matched words in the sentence around them, most severe first, then oldest.
- An urgent flag (immediate danger, harm to a child) writes an in-app
  notification to every safeguarding lead straight away and, when
  FLASK_MAIL_SERVER is set, emails them. The email carries no story text, only
  the category and a link: the story stays on the machine.
- The reporter who uploaded a story with an urgent flag sees what to do now.
"""
from __future__ import annotations

import logging
import re
import smtplib
from email.message import EmailMessage

from flask import current_app, url_for
from sqlalchemy import func, select

from audit.services import record
from core.timeutil import utcnow
from extensions import db
from governance.models import Notification, SafeguardingFlag, StoryGovernance

log = logging.getLogger(__name__)

CATEGORY_LABELS = {
    "immediate_danger": "Someone may be in danger now",
    "child_harm": "Harm to a child",
    "self_harm": "Self-harm or suicide",
    "domestic_abuse": "Domestic abuse",
    "threat": "A threat to hurt someone",
    "new_offence": "A new offence",
}
SEVERITY_LABELS = {"urgent": "Urgent", "high": "High", "medium": "Medium"}
URGENT = "urgent"
CONTEXT_WORDS = 8


def severity_for(category: str) -> str:
    from engines.safeguarding import severity_of

    return severity_of(category)


def words_in_context(text: str, evidence: str, width: int = CONTEXT_WORDS) -> dict:
    """{"before", "match", "after"}: the matched words with up to `width` words either side."""
    phrase = evidence.split("— \"", 1)[-1].rstrip('"') if evidence.startswith("similar to:") else evidence
    found = re.search(re.escape(phrase.strip()), text or "", flags=re.IGNORECASE) if phrase.strip() else None
    if not found:
        return {"before": "", "match": phrase[:200], "after": ""}
    before = text[: found.start()].split()[-width:]
    after = text[found.end():].split()[:width]
    return {"before": ("… " if len(text[: found.start()].split()) > width else "") + " ".join(before),
            "match": found.group(0),
            "after": " ".join(after) + (" …" if len(text[found.end():].split()) > width else "")}


def _flag_rows(story) -> list[dict]:
    texts = {s.position: s.text for s in story.segments}
    rows = []
    for flag in db.session.scalars(select(SafeguardingFlag).where(SafeguardingFlag.story_id == story.id)):
        severity = flag.severity or severity_for(flag.category)
        rows.append({"category": flag.category, "label": CATEGORY_LABELS.get(flag.category, flag.category),
                     "severity": severity, "severity_label": SEVERITY_LABELS.get(severity, severity),
                     "context": words_in_context(texts.get(flag.segment_position, ""), flag.evidence),
                     "text_revision": flag.text_revision})
    return sorted(rows, key=lambda r: (_rank(r["severity"]), r["category"]))


def _rank(severity: str) -> int:
    from engines.safeguarding import SEVERITY_RANK

    return SEVERITY_RANK.get(severity, 9)


def ordered_queue() -> list[dict]:
    """Waiting stories with their flags, most severe first, then longest waiting."""
    from governance.safeguarding import safeguarding_queue

    rows = []
    for story, gov in safeguarding_queue():
        flags = _flag_rows(story)
        top = flags[0]["severity"] if flags else ("high" if gov.scan_state == "failed" else "medium")
        rows.append({"story": story, "gov": gov, "flags": flags, "severity": top,
                     "severity_label": SEVERITY_LABELS.get(top, top)})
    oldest = utcnow().replace(year=1)
    return sorted(rows, key=lambda r: (_rank(r["severity"]), r["gov"].flagged_at or oldest, r["story"].id))


def waiting_count() -> int:
    return db.session.scalar(select(func.count()).select_from(StoryGovernance).where(
        (StoryGovernance.safeguarding_state == "awaiting") | (StoryGovernance.scan_state == "failed"))) or 0


def _leads():
    from accounts.models import User, UserRole

    return db.session.scalars(select(User).join(UserRole).where(UserRole.role == "safeguarding_lead")).all()


def alert_urgent(story, categories: list[str]) -> int:
    """Tell every safeguarding lead about urgent categories on `story`, in the app and by email; returns leads told."""
    urgent = [c for c in categories if severity_for(c) == URGENT]
    if not urgent:
        return 0
    what = ", ".join(CATEGORY_LABELS.get(c, c) for c in urgent)
    message = f"Urgent: story #{story.id} may show {what.lower()}. Please read it now."
    leads = _leads()
    notes = [Notification(user_id=lead.id, story_id=story.id, kind="urgent_flag", message=message) for lead in leads]
    db.session.add_all(notes)
    record("safeguarding.alerted", story, summary=f"Urgent flag told to {len(leads)} safeguarding lead(s): {what}",
           after={"categories": urgent, "leads": [lead.id for lead in leads]})
    db.session.flush()
    if current_app.config.get("MAIL_SERVER") and leads:
        _email(leads, story, what, notes)
    return len(leads)


def _email(leads, story, what: str, notes) -> None:
    """One email per lead through MAIL_SERVER:MAIL_PORT (no story text in it). Failures are logged, not raised."""
    config = current_app.config
    try:
        link = url_for("governance.safeguarding_story", story_id=story.id, _external=True)
    except RuntimeError:  # no request (worker): a relative link still tells the lead where to look
        link = f"/governance/safeguarding/stories/{story.id}"
    sender = config.get("MAIL_DEFAULT_SENDER") or "storyloom@localhost"
    try:
        with smtplib.SMTP(config["MAIL_SERVER"], int(config.get("MAIL_PORT") or 25), timeout=10) as smtp:
            for lead, note in zip(leads, notes):
                if not getattr(lead, "email", None):
                    continue
                mail = EmailMessage()
                mail["From"], mail["To"] = sender, lead.email
                mail["Subject"] = f"Urgent safeguarding flag: {what}"
                mail.set_content(f"A story uploaded to Storyloom may show: {what}.\n\n"
                                 f"Please sign in and read it now: {link}\n\nThis email holds no story text.")
                smtp.send_message(mail)
                note.emailed_at = utcnow()
    except (OSError, smtplib.SMTPException) as exc:
        log.warning("urgent safeguarding email failed: %s", exc)


def unread_notifications(user) -> list[Notification]:
    if not getattr(user, "id", None):
        return []
    return db.session.scalars(select(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
                              .order_by(Notification.created_at.desc())).all()


def has_urgent_flag(story) -> bool:
    """True when the story's latest check found something urgent (the reporter is shown what to do now)."""
    return bool(db.session.scalar(select(func.count()).select_from(SafeguardingFlag).where(
        SafeguardingFlag.story_id == story.id, SafeguardingFlag.severity == URGENT)))


def alert_globals() -> dict:
    """Template helpers (called lazily): the lead's waiting count, their unread alerts, the reporter's urgent box."""
    return {"safeguarding_waiting": waiting_count, "unread_alerts": unread_notifications, "story_has_urgent_flag": has_urgent_flag}


def mark_story_alerts_read(user, story_id: int) -> None:
    """The lead opened the story: their alerts about it are read."""
    notes = db.session.scalars(select(Notification).where(
        Notification.user_id == user.id, Notification.story_id == story_id, Notification.read_at.is_(None))).all()
    for note in notes:
        note.read_at = utcnow()
    if notes:
        db.session.commit()
