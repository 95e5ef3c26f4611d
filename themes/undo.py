"""One-click undo of the last merge, split or move on a run.

Nothing is deleted: the undo is a new decision (`undone_<action>`, `undoes_id` pointing at the
decision it reverses) written to the audit log and the board's list like every other change,
using what the original decision kept in `details`. A second undo reverses the one before that,
and so on; an undo itself is never a candidate (there is no redo: do the change again).
"""
from __future__ import annotations

from sqlalchemy import select

from extensions import db
from themes.models import Passage, Theme, ThemeDecision, ThemeRun
from themes.services import ThemeError, _decide

UNDOABLE = ("merged", "split", "passage_moved")
RECENT = 50  # how many decisions the board's log shows (themes.board.decisions)


def last_undoable(run: ThemeRun, recent: list | None = None) -> ThemeDecision | None:
    """The newest merge, split or move on the run that no undo has reversed yet.

    `recent`: the run's newest decisions, newest first, when the page read them already (the board's
    log): an undo is always newer than what it undoes, so the answer is found there without a query
    unless none of them is a candidate and there may be older ones."""
    if recent is not None:
        undone = {d.undoes_id for d in recent if d.undoes_id}
        for decision in recent:
            if decision.action in UNDOABLE and decision.details is not None and decision.id not in undone:
                return decision
        if len(recent) < RECENT:
            return None
    undone = select(ThemeDecision.undoes_id).where(ThemeDecision.run_id == run.id,
                                                   ThemeDecision.undoes_id.is_not(None))
    return db.session.scalars(
        select(ThemeDecision).where(ThemeDecision.run_id == run.id, ThemeDecision.action.in_(UNDOABLE),
                                    ThemeDecision.details.is_not(None), ThemeDecision.id.not_in(undone))
        .order_by(ThemeDecision.id.desc()).limit(1)).first()


def undo_last(run: ThemeRun, *, actor=None) -> str:
    """Reverse the last merge, split or move on `run`; returns what was undone, in plain words."""
    decision = last_undoable(run)
    if decision is None:
        raise ThemeError("There is no merge, split or move on this board left to undo.")
    message = {"merged": _undo_merge, "split": _undo_split, "passage_moved": _undo_move}[decision.action](
        run, decision, actor)
    db.session.commit()
    return message


def _theme(theme_id) -> Theme:
    theme = db.session.get(Theme, theme_id) if theme_id is not None else None
    if theme is None:
        raise ThemeError("A theme this change used is no longer there, so it cannot be undone.")
    return theme


def _undo_merge(run, decision, actor) -> str:
    d = decision.details
    source, target = _theme(d["source_id"]), _theme(d["target_id"])
    if source.merged_into_id != target.id:
        raise ThemeError(f"“{source.label}” is no longer merged into “{target.label}”, so the merge cannot be undone.")
    back = db.session.scalars(select(Passage).where(Passage.id.in_(d.get("passage_ids") or [-1]),
                                                    Passage.theme_id == target.id)).all()
    for passage in back:
        passage.theme_id = source.id
    source.merged_into_id = None
    target.keywords = d.get("target_keywords", target.keywords)
    message = f"Undone: “{source.label}” is its own theme again ({len(back)} passages back from “{target.label}”)."
    _decide("undone_merged", source, run_id=run.id, theme=source, actor=actor, undoes=decision,
            summary=message.removeprefix("Undone: ").rstrip(".") + " (merge undone)",
            after={"undoes": decision.id}, details={"passage_ids": [p.id for p in back]})
    return message


def _undo_split(run, decision, actor) -> str:
    d = decision.details
    original = _theme(d["from_id"])
    back = 0
    for part_id, passage_ids in d["parts"].items():
        part = _theme(int(part_id))
        for passage in db.session.scalars(select(Passage).where(Passage.id.in_(passage_ids or [-1]),
                                                                Passage.theme_id == part.id)):
            passage.theme_id = original.id
            passage.moved_by_people = d.get("moved_by_people", {}).get(str(passage.id), False)
            back += 1
        part.merged_into_id = original.id  # the part leaves the board; its row stays for the log
    message = f"Undone: the split of “{original.label}” ({back} passages back in it)."
    _decide("undone_split", original, run_id=run.id, theme=original, actor=actor, undoes=decision,
            summary=f"split of “{original.label}” undone ({back} passages back)", after={"undoes": decision.id})
    return message


def _undo_move(run, decision, actor) -> str:
    d = decision.details
    passage = db.session.get(Passage, decision.passage_id) if decision.passage_id else None
    if passage is None or passage.theme_id != d["to_id"]:
        raise ThemeError("That passage has moved again since, so its move cannot be undone.")
    source = _theme(d["from_id"])
    if source.merged_into_id is not None:
        raise ThemeError(f"“{source.label}” was merged since, so the passage cannot go back to it.")
    target = _theme(d["to_id"])
    passage.theme_id = source.id
    passage.moved_by_people = bool(d.get("moved_by_people"))
    passage.off_topic = bool(d.get("off_topic"))
    message = f"Undone: the passage is back in “{source.label}” (it had been moved to “{target.label}”)."
    _decide("undone_passage_moved", passage, run_id=run.id, theme=source, passage=passage, actor=actor,
            undoes=decision, summary=f"a passage moved back from “{target.label}” to “{source.label}” (move undone)",
            before={"theme_id": target.id}, after={"theme_id": source.id, "undoes": decision.id})
    return message
