"""The rules for theme runs and for reshaping themes together.

Every state change is one function here: it checks the rule, changes the
rows, writes the audit log (who, when, why) and the board's decision list,
and commits. Routes, the API and the CLI call these and nothing else.
"""
from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from audit.services import record
from core.timeutil import utcnow
from extensions import db
from themes.models import Code, Passage, PassageCode, Theme, ThemeDecision, ThemeNote, ThemeRun
from themes.read import final_theme, visible_themes  # noqa: F401  (the read API, once; callers use services.*)

CODE_COLOURS = {
    "blue": "Blue", "green": "Green", "orange": "Orange", "purple": "Purple",
    "red": "Red", "teal": "Teal", "grey": "Grey",
}
MAX_SEEDS = 12


class ThemeError(ValueError):
    """A request the rules refuse, with a message for the person."""


class EditConflict(ThemeError):
    """Someone else changed the theme since this person loaded it."""


class SeedError(ThemeError):
    """A seed list that is not valid; the message names the line."""


def text_hash(text: str) -> str:
    """Identity of a passage's words within a story, the same in every run."""
    return hashlib.sha256(" ".join(text.split()).encode("utf-8")).hexdigest()


# --- reading ------------------------------------------------------------------

def latest_run(done_only: bool = True) -> ThemeRun | None:
    """The newest (finished) run; read once per GET request (a story page asks from several panels)."""
    from governance.policy import request_prefetch

    g = request_prefetch()
    key = ("latest_run", done_only)
    if g is not None and key in g.get("theme_runs", {}):
        return g.theme_runs[key]
    stmt = select(ThemeRun).order_by(ThemeRun.id.desc()).limit(1)
    if done_only:
        stmt = stmt.where(ThemeRun.status == "done")
    run = db.session.scalars(stmt).first()
    if g is not None:
        g.theme_runs = {**g.get("theme_runs", {}), key: run}
    return run


def list_runs() -> list[ThemeRun]:
    return db.session.scalars(select(ThemeRun).order_by(ThemeRun.id.desc())).all()


def story_theme_mix(story_id: int) -> list[dict]:
    """The story's theme mix in the latest run: [{theme_id, label, weight, passages, run_id}], largest first.

    Empty when the story is not in the latest run or may no longer be analysed.
    """
    from governance.policy import analysable_ids_now

    run = latest_run()
    if run is None or story_id not in analysable_ids_now():
        return []
    passages = db.session.scalars(
        select(Passage).where(Passage.run_id == run.id, Passage.story_id == story_id, Passage.withdrawn_at.is_(None))
    ).all()
    if not passages:
        return []
    counts: dict[int, int] = {}
    for passage in passages:
        if passage.theme_id is not None and not passage.off_topic:
            theme = final_theme(passage.theme)
            if theme is not None and not theme.is_outlier:
                counts[theme.id] = counts.get(theme.id, 0) + 1
    mix = [
        {"theme_id": tid, "label": db.session.get(Theme, tid).label, "weight": round(n / len(passages), 4),
         "passages": n, "run_id": run.id}
        for tid, n in counts.items()
    ]
    return sorted(mix, key=lambda m: (-m["weight"], m["label"]))


# --- seeds (themes/seeding.py; names kept here for callers) ---------------------------

from themes.seeding import parse_seed_text, validate_seeds  # noqa: E402,F401


# --- runs -----------------------------------------------------------------------

def _new_run(seeds, min_stories, actor, settings) -> ThemeRun:
    seeds = validate_seeds(seeds or [])
    if not 1 <= int(min_stories) <= 50:
        raise ThemeError("The smallest theme must draw on between 1 and 50 stories.")
    previous = latest_run()
    run = ThemeRun(status="queued", created_by_id=getattr(actor, "id", None), seeds=seeds,
                   settings={**(settings or {}), "min_stories": int(min_stories)},
                   model="bundled:all-MiniLM-L6-v2", previous_run_id=previous.id if previous else None,
                   message="Waiting for the worker")
    db.session.add(run)
    db.session.flush()
    record("theme_run.started", run, actor=actor,
           summary=f"theme run {run.id} queued with {len(seeds)} seed theme(s)",
           after={"seeds": seeds, "min_stories": int(min_stories)})
    return run


def queue_run(*, seeds=None, min_stories: int = 2, actor=None, settings: dict | None = None):
    """Create a run and queue its discovery job; returns (run, job)."""
    from jobs.services import start_job

    run = _new_run(seeds, min_stories, actor, settings)
    db.session.commit()
    job = start_job("themes.discover", subject_type="theme_run", subject_id=run.id, user=actor,
                    params={"run_id": run.id})
    return run, job


def run_now(*, seeds=None, min_stories: int = 2, actor=None, settings: dict | None = None, on_progress=None):
    """Create a run and do discovery in this process (CLI --wait); returns (run, job)."""
    from jobs.models import Job
    from jobs.runner import run_job

    run = _new_run(seeds, min_stories, actor, settings)
    job = Job(kind="themes.discover", subject_type="theme_run", subject_id=run.id, params={"run_id": run.id},
              created_by_id=getattr(actor, "id", None))
    db.session.add(job)
    db.session.commit()
    run_job(job.id)
    db.session.expire_all()
    return db.session.get(ThemeRun, run.id), db.session.get(Job, job.id)


def run_job_for(run: ThemeRun):
    from jobs.services import latest_job

    return latest_job("themes.discover", subject_type="theme_run", subject_id=run.id)


# --- decisions ------------------------------------------------------------------

def _decide(action: str, obj, *, run_id, summary: str, reason: str = "", actor=None, theme=None, passage=None,
            before=None, after=None, details=None, undoes=None) -> ThemeDecision:
    record(f"theme.{action}", obj, summary=summary, actor=actor, before=before,
           after={**(after or {}), **({"reason": reason} if reason else {})})
    decision = ThemeDecision(run_id=run_id, action=action, summary=summary, reason=reason or "",
                             actor_id=getattr(actor, "id", None), details=details, undoes_id=getattr(undoes, "id", None),
                             theme_id=getattr(theme, "id", None), passage_id=getattr(passage, "id", None))
    db.session.add(decision)
    return decision


def _add_and_decide(row, action: str, **decision):
    """Save a new row (a theme, a note) with the decision that made it, in one commit; return the row."""
    db.session.add(row)
    db.session.flush()
    _decide(action, row, **decision)
    db.session.commit()
    return row


def _commit_or_conflict() -> None:
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise EditConflict("Someone else changed this theme while you were editing. "
                           "Your change was not saved: look at their version, then try again.") from None


def _require_open(theme: Theme) -> None:
    if theme.merged_into_id is not None:
        raise ThemeError("That theme was merged into another one; change that one instead.")


def rename_theme(theme: Theme, *, label: str, description: str | None = None, expected_version: int | None,
                 actor=None, reason: str = "") -> Theme:
    """Change a theme's name and description. `expected_version` is the version the person saw."""
    _require_open(theme)
    label = " ".join((label or "").split())
    if not label:
        raise ThemeError("Give the theme a name.")
    if len(label) > 200:
        raise ThemeError("Keep the name under 200 characters.")
    if expected_version is not None and int(expected_version) != theme.version:
        raise EditConflict("Someone else changed this theme while you were editing. "
                           f"It is now called “{theme.label}”. Your change was not saved: look again, then try again.")
    before = {"label": theme.label, "description": theme.description}
    if label != theme.label:
        theme.label = label
        theme.renamed_by_people = label != theme.machine_label
    if description is not None:
        theme.description = description.strip()
    after = {"label": theme.label, "description": theme.description}
    if before == after:
        return theme
    _decide("renamed", theme, run_id=theme.run_id, theme=theme, actor=actor, reason=reason, before=before, after=after,
            summary=f"“{before['label']}” is now “{theme.label}”" if before["label"] != theme.label
            else f"description of “{theme.label}” written")
    _commit_or_conflict()
    return theme


def merge_themes(source: Theme, target: Theme, *, actor=None, reason: str = "") -> Theme:
    """Put all of `source`'s passages into `target` and hide `source`."""
    _require_open(source)
    _require_open(target)
    if source.id == target.id or source.run_id != target.run_id:
        raise ThemeError("Choose another theme of the same board to merge with.")
    moved = []
    for passage in db.session.scalars(select(Passage).where(Passage.theme_id == source.id)):
        passage.theme_id = target.id
        moved.append(passage.id)
    source.merged_into_id = target.id
    keywords_before = list(target.keywords or [])
    target.keywords = list(dict.fromkeys((target.keywords or []) + (source.keywords or [])))[:10]
    _decide("merged", source, run_id=source.run_id, theme=target, actor=actor, reason=reason,
            summary=f"“{source.label}” merged into “{target.label}” ({len(moved)} passages)",
            after={"into": target.id}, details={"source_id": source.id, "target_id": target.id,
                                                "passage_ids": moved, "target_keywords": keywords_before})
    _commit_or_conflict()
    return target


def create_theme(run: ThemeRun, *, label: str, description: str = "", actor=None, reason: str = "",
                 origin: str = "human") -> Theme:
    """A theme made by hand (empty until passages are moved into it)."""
    label = " ".join((label or "").split())
    if not label:
        raise ThemeError("Give the new theme a name.")
    if run.status != "done":
        raise ThemeError("Wait for the run to finish before adding themes.")
    position = max([t.position for t in run.themes] + [0]) + 1
    theme = Theme(run_id=run.id, label=label[:200], machine_label="", description=(description or "").strip(),
                  origin=origin, position=position, renamed_by_people=True, created_by_id=getattr(actor, "id", None))
    return _add_and_decide(theme, "created", run_id=run.id, theme=theme, actor=actor, reason=reason,
                           summary=f"new theme “{theme.label}” made by hand")


def move_passage(passage: Passage, theme: Theme, *, actor=None, reason: str = "", commit: bool = True,
                 summary: str = "") -> Passage:
    """Put a passage under another theme of the same run."""
    _require_open(theme)
    if theme.run_id != passage.run_id:
        raise ThemeError("That theme belongs to another run.")
    if passage.withdrawn_at is not None:
        raise ThemeError("This story's consent was withdrawn; its passages cannot be used.")
    old = passage.theme
    if old is not None and old.id == theme.id:
        return passage
    details = {"from_id": getattr(old, "id", None), "to_id": theme.id, "moved_by_people": passage.moved_by_people,
               "off_topic": passage.off_topic}
    passage.theme_id = theme.id
    passage.moved_by_people = theme.id != passage.machine_theme_id
    passage.off_topic = False
    _decide("passage_moved", passage, run_id=passage.run_id, theme=theme, passage=passage, actor=actor, reason=reason,
            summary=summary or f"a passage moved from “{old.label if old else 'no theme'}” to “{theme.label}”",
            before={"theme_id": getattr(old, "id", None)}, after={"theme_id": theme.id}, details=details)
    if commit:
        db.session.commit()
    return passage


def set_off_topic(passage: Passage, off_topic: bool, *, actor=None, reason: str = "") -> Passage:
    """Mark a passage as off-topic (left out of counts and quotes) or bring it back."""
    if passage.off_topic == bool(off_topic):
        return passage
    passage.off_topic = bool(off_topic)
    if off_topic:
        passage.pinned = False
    _decide("off_topic" if off_topic else "on_topic", passage, run_id=passage.run_id, passage=passage,
            theme=passage.theme, actor=actor, reason=reason,
            summary="a passage marked off-topic" if off_topic else "a passage brought back on topic")
    db.session.commit()
    return passage


def set_pinned(passage: Passage, pinned: bool, *, actor=None, reason: str = "") -> Passage:
    """Pin a passage as a key quote of its theme, or unpin it."""
    if passage.pinned == bool(pinned):
        return passage
    if pinned and passage.off_topic:
        raise ThemeError("An off-topic passage cannot be a key quote.")
    passage.pinned = bool(pinned)
    label = passage.theme.label if passage.theme else "no theme"
    _decide("pinned" if pinned else "unpinned", passage, run_id=passage.run_id, passage=passage, theme=passage.theme,
            actor=actor, reason=reason,
            summary=f"a key quote pinned on “{label}”" if pinned else f"a key quote unpinned on “{label}”")
    db.session.commit()
    return passage


def split_theme(theme: Theme, passage_ids: list[int], *, label: str, actor=None, reason: str = "") -> Theme:
    """Move the chosen passages of `theme` into a new theme called `label`."""
    _require_open(theme)
    chosen = db.session.scalars(
        select(Passage).where(Passage.theme_id == theme.id, Passage.id.in_([int(i) for i in passage_ids or []]))
    ).all()
    if not chosen:
        raise ThemeError("Tick the passages that belong in the new theme.")
    run = db.session.get(ThemeRun, theme.run_id)
    new = Theme(run_id=run.id, label=(" ".join((label or "").split()) or f"Part of {theme.label}")[:200],
                machine_label="", origin="human", position=theme.position, renamed_by_people=True,
                created_by_id=getattr(actor, "id", None))
    db.session.add(new)
    db.session.flush()
    details = {"from_id": theme.id, "parts": {str(new.id): [p.id for p in chosen]},
               "moved_by_people": {str(p.id): p.moved_by_people for p in chosen}}
    for passage in chosen:
        passage.theme_id = new.id
        passage.moved_by_people = True
    _decide("split", theme, run_id=run.id, theme=new, actor=actor, reason=reason,
            summary=f"{len(chosen)} passages of “{theme.label}” split off into “{new.label}”",
            after={"new_theme_id": new.id, "passage_ids": [p.id for p in chosen]}, details=details)
    db.session.commit()
    return new


def start_recluster(theme: Theme, *, n_clusters: int = 2, actor=None):
    """Queue a short job that lets the model split this theme in `n_clusters`."""
    from jobs.services import start_job

    _require_open(theme)
    n_clusters = int(n_clusters)
    if not 2 <= n_clusters <= 5:
        raise ThemeError("Split into 2 to 5 parts.")
    count = db.session.scalar(select(db.func.count()).select_from(Passage).where(
        Passage.theme_id == theme.id, Passage.off_topic.is_(False), Passage.withdrawn_at.is_(None)))
    if count < n_clusters * 2:
        raise ThemeError(f"“{theme.label}” has too few passages ({count}) to split in {n_clusters}.")
    record("theme.split_requested", theme, actor=actor, summary=f"model asked to split “{theme.label}” in {n_clusters}")
    db.session.commit()
    return start_job("themes.recluster", subject_type="theme", subject_id=theme.id, user=actor,
                     params={"theme_id": theme.id, "n_clusters": n_clusters})


def add_note(theme: Theme, text: str, *, actor=None, passage: Passage | None = None) -> ThemeNote:
    text = (text or "").strip()
    if not text:
        raise ThemeError("Write the note first.")
    if len(text) > 4000:
        raise ThemeError("Keep a note under 4,000 characters.")
    note = ThemeNote(theme_id=theme.id, passage_id=getattr(passage, "id", None), author_id=getattr(actor, "id", None),
                     text=text)
    return _add_and_decide(note, "note", run_id=theme.run_id, theme=theme, passage=passage, actor=actor,
                           summary=f"note on “{theme.label}”: {text[:80]}")


def withdraw_story(story_id: int, *, actor=None) -> int:
    """Mark every passage of a story as withdrawn (consent withdrawn); boards also filter at query time.
    Flushes, never commits: it runs inside governance's withdrawal (themes/receivers.py)."""
    now = utcnow()
    passages = db.session.scalars(
        select(Passage).where(Passage.story_id == story_id, Passage.withdrawn_at.is_(None))
    ).all()
    for passage in passages:
        passage.withdrawn_at = now
        passage.pinned = False
    if passages:
        record("theme.story_withdrawn", object_type="stories", object_id=story_id, actor=actor,
               summary=f"{len(passages)} passages taken off every theme board")
    db.session.flush()
    return len(passages)


# --- codebook (themes/codebook.py; names kept here for callers) -----------------------

from themes.codebook import codes_for, create_code, list_codes, tag_passage, untag_passage  # noqa: E402,F401
