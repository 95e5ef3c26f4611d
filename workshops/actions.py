"""Design actions: recording a decision with its evidence, editing it, and its timeline.

Evidence is checked through governance.policy (stories with `workshop` consent, quotes with
`quote` consent); evidence withdrawn later stays as a placeholder. Edits use optimistic locking.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy.orm.exc import StaleDataError

from audit.services import record
from core.actors import actor_label
from core.timeutil import utcnow
from extensions import db
from themes.read import chosen_quote, quotable_ids
from workshops.errors import CONFLICT_MESSAGE, EditConflict, NotAllowed, WorkshopError
from workshops.models import ACTION_STATUSES, ActionEvidence, ActionUpdate, DesignAction, Workshop
from workshops.planning import workshop_consented_ids


def _parse_date(value):
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise WorkshopError("Write the due date as a date, like 2025-06-30.") from None


def _check_action_input(data: dict, keep: set | None = None) -> dict:
    """Check an action's fields. `keep` holds (kind, id) of evidence already cited and since withdrawn:
    it stays on the action as a placeholder and is not checked again."""
    from themes.models import Passage, Theme

    keep = keep or set()

    title = " ".join((data.get("title") or "").split())
    if not title:
        raise WorkshopError("Give the action a short title.")
    status = data.get("status") or "proposed"
    if status not in ACTION_STATUSES:
        raise WorkshopError(f"Status must be one of: {', '.join(ACTION_STATUSES)}.")
    reason = (data.get("status_reason") or "").strip()
    if status == "dropped" and not reason:
        raise WorkshopError("Say why the action was dropped.")
    workshop = None
    if data.get("workshop_id"):
        workshop = db.session.get(Workshop, int(data["workshop_id"]))
        if workshop is None:
            raise WorkshopError("That workshop does not exist.")
    theme_ids = sorted({int(t) for t in data.get("theme_ids") or []} - {i for k, i in keep if k == "theme"})
    if any(db.session.get(Theme, t) is None for t in theme_ids):
        raise WorkshopError("One of the themes does not exist.")
    story_ids = sorted({int(s) for s in data.get("story_ids") or []} - {i for k, i in keep if k == "story"})
    consented = workshop_consented_ids()
    refused = [s for s in story_ids if s not in consented]
    if refused:
        raise WorkshopError("An action can cite only stories shared with workshops "
                            f"(not story {', '.join(map(str, refused))}).")
    quote_ids = sorted({int(q) for q in data.get("quotes") or data.get("quote_ids") or []}
                       - {i for k, i in keep if k == "quote"})
    quotable = quotable_ids()
    quotes = []
    for qid in quote_ids:
        passage = db.session.get(Passage, qid)
        if passage is None or passage.story_id not in quotable:
            raise WorkshopError(f"Quote {qid} cannot be cited: it does not exist or may not be quoted.")
        quotes.append(passage)
    return {"title": title, "description": (data.get("description") or "").strip(),
            "owner": " ".join((data.get("owner") or "").split())[:120], "due_date": _parse_date(data.get("due_date")),
            "status": status, "status_reason": reason if status == "dropped" else reason,
            "proposed_by": " ".join((data.get("proposed_by") or "").split())[:200],
            "disagreement": (data.get("disagreement") or "").strip(), "workshop": workshop,
            "theme_ids": theme_ids, "story_ids": story_ids, "quotes": quotes, "chosen": _checked_chosen(data, keep)}


def _checked_chosen(data: dict, keep: set) -> list:
    """The quotes people chose (any words) the action cites: each must be showable now (quote consent)."""
    chosen = []
    for qid in sorted({int(q) for q in data.get("chosen") or []} - {i for k, i in keep if k == "chosen"}):
        found = chosen_quote(qid)
        if found is None:
            raise WorkshopError(f"Quote {qid} cannot be cited: it does not exist or may not be quoted.")
        chosen.append(found[0])
    return chosen


def _set_evidence(action: DesignAction, checked: dict) -> None:
    wanted = {("theme", t): None for t in checked["theme_ids"]}
    wanted.update({("story", s): None for s in checked["story_ids"]})
    wanted.update({("quote", p.id): p.story_id for p in checked["quotes"]})
    wanted.update({("chosen", q.id): q.story_id for q in checked["chosen"]})
    keep = []
    for row in action.evidence:
        key = (row.kind, row.ref_id)
        if key in wanted:
            keep.append(row)
            wanted.pop(key)
        elif _unavailable(row):
            keep.append(row)  # withdrawn or erased evidence stays as a placeholder; it cannot be re-chosen
    for (kind, ref), story_id in wanted.items():
        keep.append(ActionEvidence(kind=kind, ref_id=ref, story_id=story_id if kind in ("quote", "chosen") else
                                   (ref if kind == "story" else None)))
    action.evidence = keep


def _unavailable(row: ActionEvidence) -> bool:
    """True when cited evidence has since been withdrawn or erased."""
    from stories.models import Story
    from themes.models import Passage, Theme

    if row.kind == "theme":
        return db.session.get(Theme, row.ref_id) is None
    if row.kind == "story":
        return db.session.get(Story, row.ref_id) is None or row.ref_id not in workshop_consented_ids()
    if row.kind == "chosen":
        return chosen_quote(row.ref_id) is None
    passage = db.session.get(Passage, row.ref_id)
    return passage is None or passage.story_id not in quotable_ids() or passage.withdrawn_at is not None


def create_action(data: dict, *, actor=None) -> DesignAction:
    checked = _check_action_input(data)
    action = DesignAction(created_by_id=getattr(actor, "id", None))
    for key in ("title", "description", "owner", "due_date", "status", "status_reason", "proposed_by", "disagreement"):
        setattr(action, key, checked[key])
    action.workshop = checked["workshop"]
    _set_evidence(action, checked)
    action.updates.append(ActionUpdate(author_id=getattr(actor, "id", None), author_label=actor_label(actor),
                                       kind="created", to_status=action.status,
                                       comment=checked["status_reason"] if action.status == "dropped" else ""))
    db.session.add(action)
    record("action.created", action, actor=actor, summary=action.title,
           after={"status": action.status, "theme_ids": checked["theme_ids"], "story_ids": checked["story_ids"],
                  "quotes": [p.id for p in checked["quotes"]], "chosen": [q.id for q in checked["chosen"]]})
    db.session.commit()
    return action


def _snapshot(action: DesignAction) -> dict:
    return {"title": action.title, "description": action.description, "owner": action.owner,
            "due_date": action.due_date.isoformat() if action.due_date else None, "status": action.status,
            "status_reason": action.status_reason, "proposed_by": action.proposed_by,
            "disagreement": action.disagreement, "theme_ids": action.theme_ids, "story_ids": action.story_ids,
            "quotes": action.quote_ids, "chosen": action.chosen_quote_ids, "version": action.version}


def _commit_action() -> None:
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise EditConflict(CONFLICT_MESSAGE) from None


def update_action(action: DesignAction, data: dict, *, expected_version: int | None, actor=None) -> DesignAction:
    """Save an edit. `expected_version` is the version the editor started from; a mismatch is a conflict."""
    if expected_version is not None and int(expected_version) != action.version:
        raise EditConflict(CONFLICT_MESSAGE)
    before = _snapshot(action)
    merged = {**before, **{k: v for k, v in data.items() if v is not None}}
    merged["workshop_id"] = data.get("workshop_id", action.workshop_id)
    checked = _check_action_input(merged, keep={(r.kind, r.ref_id) for r in action.evidence if _unavailable(r)})
    old_status = action.status
    for key in ("title", "description", "owner", "due_date", "status", "status_reason", "proposed_by", "disagreement"):
        setattr(action, key, checked[key])
    action.workshop = checked["workshop"]
    _set_evidence(action, checked)
    changed = [k for k, v in _snapshot(action).items() if k != "version" and before.get(k) != v]
    if old_status != action.status:
        action.updates.append(ActionUpdate(author_id=getattr(actor, "id", None), author_label=actor_label(actor),
                                           kind="status", from_status=old_status, to_status=action.status,
                                           comment=(data.get("comment") or action.status_reason or "").strip()))
    elif changed:
        action.updates.append(ActionUpdate(author_id=getattr(actor, "id", None), author_label=actor_label(actor),
                                           kind="edited", comment="Changed: " + ", ".join(
                                               k.replace("_", " ") for k in changed)))
    record("action.updated", action, actor=actor, summary=action.title, before=before, after=_snapshot(action))
    _commit_action()
    return action


def add_update(action: DesignAction, *, actor, comment: str = "", status: str | None = None,
               expected_version: int | None = None) -> ActionUpdate:
    """A timeline entry: a comment, and (for facilitators/admins) a status change with its reason."""
    comment = (comment or "").strip()
    if expected_version is not None and int(expected_version) != action.version:
        raise EditConflict("Someone else changed this action a moment ago. Your words are kept below: "
                           "check the latest status, then send again.")
    if status and status != action.status:
        if status not in ACTION_STATUSES:
            raise WorkshopError(f"Status must be one of: {', '.join(ACTION_STATUSES)}.")
        from governance.policy import may_change_action_status

        if not may_change_action_status(actor):
            raise NotAllowed("Only facilitators and admins change an action's status.")
        if status == "dropped" and not comment:
            raise WorkshopError("Say why the action was dropped.")
        update = ActionUpdate(author_id=getattr(actor, "id", None), author_label=actor_label(actor), kind="status",
                              from_status=action.status, to_status=status, comment=comment)
        before = action.status
        action.status = status
        if status == "dropped":
            action.status_reason = comment
        action.updated_at = utcnow()
        record("action.status", action, actor=actor, summary=f"{before} -> {status}",
               before={"status": before}, after={"status": status, "comment": comment})
    else:
        if not comment:
            raise WorkshopError("Write a comment first.")
        update = ActionUpdate(author_id=getattr(actor, "id", None), author_label=actor_label(actor), kind="comment",
                              comment=comment)
        action.updated_at = utcnow()  # bumps the version: a comment is a change others should see
        record("action.comment", action, actor=actor, summary=comment[:200])
    action.updates.append(update)
    _commit_action()
    return update
