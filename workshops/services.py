"""Workshop rules: choosing themes and stories, packs, design actions and their evidence.

Consent and redaction always go through governance.policy: a workshop can hold
only stories with `workshop` consent, quotes and clips only come from stories
with `quote` consent, and managers read story text only with `manager_view`.
Each state change is one function that writes an audit entry and commits.
"""
from __future__ import annotations

import hashlib
import json
from datetime import date
from pathlib import Path

from flask import current_app, url_for
from sqlalchemy import delete, select
from sqlalchemy.orm.exc import StaleDataError

from audit.services import record
from core.timeutil import utcnow
from extensions import db
from workshops.models import (ACTION_STATUSES, DEFAULT_PROMPTS, OPEN_STATUSES, ActionEvidence, ActionUpdate,
                              DesignAction, Workshop, WorkshopPack, WorkshopStory, WorkshopTheme)

PACK_JOB = "workshops.pack"
MAX_QUOTES = 5


class WorkshopError(ValueError):
    """A request that breaks a rule; the message is meant for the person."""


class EditConflict(WorkshopError):
    """Someone else saved first (optimistic locking)."""


CONFLICT_MESSAGE = ("Someone else saved this action while you were editing it. Your changes are below and were "
                    "not lost; the latest saved version is shown beside them. Check both, then save again.")


# --- reading: themes, stories, quotes ------------------------------------------------------

def _ids(stmt) -> set[int]:
    return set(db.session.scalars(stmt).all())


def workshop_consented_ids() -> set[int]:
    from governance.policy import workshop_story_ids

    return _ids(workshop_story_ids())


def quotable_ids() -> set[int]:
    from governance.policy import quotable_story_ids

    return _ids(quotable_story_ids())


def manager_readable_ids() -> set[int]:
    from governance.policy import manager_readable_story_ids

    return _ids(manager_readable_story_ids())


def list_runs():
    from themes.models import ThemeRun

    return db.session.scalars(select(ThemeRun).where(ThemeRun.status == "done").order_by(ThemeRun.id.desc())).all()


def run_themes(run) -> list:
    """Themes still on the run's board (not merged away, not the outlier bin)."""
    return [t for t in run.themes if t.merged_into_id is None and not t.is_outlier]


def _theme_family(theme) -> set[int]:
    """The theme and every theme merged into it (their passages count for it)."""
    from themes.models import Theme

    family, frontier = {theme.id}, [theme.id]
    while frontier:
        children = db.session.scalars(select(Theme.id).where(Theme.merged_into_id.in_(frontier))).all()
        frontier = [c for c in children if c not in family]
        family.update(frontier)
    return family


def theme_passages(theme) -> list:
    from themes.models import Passage

    stmt = select(Passage).where(Passage.theme_id.in_(_theme_family(theme)), Passage.off_topic.is_(False))
    if hasattr(Passage, "withdrawn_at"):
        stmt = stmt.where(Passage.withdrawn_at.is_(None))
    return db.session.scalars(stmt.order_by(Passage.story_id, Passage.position)).all()


def prevalence(theme) -> dict:
    """Stories and passages in a theme, and the share of its stories told by each storyteller role.

    Counts only (no text), so it is safe for every role to see.
    """
    from engines.packs.content import ROLES
    from stories.models import Story

    try:  # the themes domain may offer its own (kept identical in meaning)
        from themes.services import prevalence_by_role  # type: ignore
    except ImportError:
        prevalence_by_role = None
    passages = theme_passages(theme)
    story_ids = sorted({p.story_id for p in passages})
    by_role = {role: 0 for role in ROLES}
    if story_ids:
        for role in db.session.scalars(select(Story.storyteller_role).where(Story.id.in_(story_ids))):
            by_role[role if role in by_role else "other"] += 1
    total = len(story_ids)
    shares = {role: (n / total if total else 0.0) for role, n in by_role.items()}
    if prevalence_by_role is not None:
        try:
            given = prevalence_by_role(theme)
            if isinstance(given, dict) and given:
                shares = {role: float(given.get(role, 0.0)) for role in ROLES}
        except Exception:  # pragma: no cover - keep ours if theirs differs
            pass
    return {"story_count": total, "passage_count": len(passages), "counts": by_role, "shares": shares,
            "story_ids": story_ids}


def quote_text(passage) -> str | None:
    """The passage's words as they may be shown outside the story page (redacted), or None."""
    from governance import policy

    helper = getattr(policy, "redacted_passage_text", None)
    if helper is not None:
        return helper(passage)
    story = passage.story
    text = " ".join((passage.text or "").split())
    redacted = " ".join(policy.redacted_text(story).split())
    if text and text in redacted:
        return text
    if passage.start is not None and passage.end is not None:
        parts = [s["text"].strip() for s in policy.redacted_segments(story)
                 if s.get("start") is not None and s["end"] > passage.start and s["start"] < passage.end]
        if parts:
            return " ".join(parts)
    return None


def key_quotes(theme, story_ids: set[int] | None = None, limit: int = MAX_QUOTES) -> list:
    """Key quotes of a theme: pinned passages first, then the most representative; quotable stories only."""
    allowed = quotable_ids()
    if story_ids is not None:
        allowed &= set(story_ids)
    passages = [p for p in theme_passages(theme) if p.story_id in allowed]
    passages.sort(key=lambda p: (not p.pinned, -(p.representativeness or 0.0), p.story_id, p.position))
    pinned = [p for p in passages if p.pinned]
    chosen = pinned[:limit] if pinned else passages[: min(limit, 3)]
    return chosen


def story_has_audio(story) -> bool:
    return story.media_id is not None and story.source_kind != "text"


def clip_src(passage, *, offline: bool = False) -> str | None:
    """Where a browser can play a quote's redacted clip, or None (no audio, no times, no quote consent).

    offline=True (present mode) always uses our own clip route, inside the service worker's scope.
    """
    from governance import policy

    story = passage.story
    if passage.start is None or passage.end is None or not story_has_audio(story):
        return None
    if story.id not in quotable_ids():
        return None
    url = None if offline else policy.clip_url(story, passage.start, passage.end)
    return url or url_for("workshops.clip", passage_id=passage.id)


def redacted_clip_path(passage) -> Path:
    """The redacted audio of the passage: governance cuts it, with a tone over every redacted word
    (raises governance.clips.ClipRefused without `quote` consent)."""
    from governance.clips import redacted_clip_file

    return redacted_clip_file(passage.story, passage.start, passage.end)


# --- workshops -----------------------------------------------------------------------------

def eligible_stories(run) -> list:
    """Stories of the run that may be chosen for a workshop (`workshop` consent in force)."""
    from stories.models import Story
    from themes.models import Passage

    in_run = set(run.story_ids or []) | _ids(select(Passage.story_id).where(Passage.run_id == run.id))
    ids = in_run & workshop_consented_ids()
    if not ids:
        return []
    return db.session.scalars(select(Story).where(Story.id.in_(ids)).order_by(Story.title, Story.id)).all()


def workshop_stories(workshop) -> list:
    """The workshop's chosen stories that still have workshop consent (withdrawn ones drop out)."""
    from stories.models import Story

    ids = set(workshop.story_ids) & workshop_consented_ids()
    if not ids:
        return []
    return db.session.scalars(select(Story).where(Story.id.in_(ids)).order_by(Story.id)).all()


def workshop_themes(workshop) -> list:
    return [link.theme for link in workshop.themes if link.theme is not None and link.theme.merged_into_id is None]


def _clean_prompts(prompts) -> list[str]:
    if isinstance(prompts, str):
        prompts = prompts.splitlines()
    return [" ".join(str(p).split()) for p in prompts or [] if str(p).strip()][:8]


def _check_workshop_input(data: dict) -> tuple:
    from themes.models import Theme, ThemeRun

    title = " ".join((data.get("title") or "").split())
    if not title:
        raise WorkshopError("Give the workshop a title.")
    run = db.session.get(ThemeRun, data.get("theme_run_id")) if data.get("theme_run_id") else None
    if run is None:
        raise WorkshopError("Choose the theme run the workshop draws on.")
    theme_ids = [int(t) for t in data.get("theme_ids") or []]
    themes = [db.session.get(Theme, t) for t in theme_ids]
    if not theme_ids:
        raise WorkshopError("Choose at least one theme to talk about.")
    if any(t is None or t.run_id != run.id for t in themes):
        raise WorkshopError("Every theme must come from the chosen theme run.")
    eligible = {s.id for s in eligible_stories(run)}
    if not eligible:
        raise WorkshopError("No story in this theme run may be shared in a workshop yet: none has "
                            "workshop consent. Check consent with the reporters first.")
    story_ids = sorted({int(s) for s in data.get("story_ids") or []})
    refused = [s for s in story_ids if s not in eligible]
    if refused:
        raise WorkshopError("Only stories whose storytellers agreed to workshops can be chosen "
                            f"(not story {', '.join(map(str, refused))}).")
    if not story_ids:
        raise WorkshopError("Choose at least one story whose storyteller agreed to workshops.")
    prompts = data.get("prompts") or {}
    return title, run, themes, story_ids, prompts


def _apply_workshop(workshop: Workshop, data: dict, title, run, themes, story_ids, prompts) -> None:
    workshop.title = title
    workshop.date = data.get("date") or None
    workshop.place = (data.get("place") or "").strip()[:200]
    workshop.purpose = (data.get("purpose") or "").strip()
    attendees = data.get("attendees") or []
    if isinstance(attendees, str):
        attendees = attendees.splitlines()
    workshop.attendees = [" ".join(a.split()) for a in attendees if a.strip()]
    workshop.theme_run_id = run.id
    old = {link.theme_id: link for link in workshop.themes}
    links = []
    for position, theme in enumerate(themes):
        link = old.pop(theme.id, None) or WorkshopTheme(theme_id=theme.id)
        link.position = position
        given = prompts.get(theme.id, prompts.get(str(theme.id))) if isinstance(prompts, dict) else None
        link.prompts = _clean_prompts(given) if given is not None else (list(link.prompts or []) or list(DEFAULT_PROMPTS))
        links.append(link)
    workshop.themes = links
    current = {link.story_id: link for link in workshop.story_links}
    workshop.story_links = [current.get(sid) or WorkshopStory(story_id=sid) for sid in story_ids]


def create_workshop(data: dict, *, actor=None) -> Workshop:
    checked = _check_workshop_input(data)
    workshop = Workshop(created_by_id=getattr(actor, "id", None))
    _apply_workshop(workshop, data, *checked)
    db.session.add(workshop)
    record("workshop.created", workshop, actor=actor,
           summary=f"{workshop.title}: {len(workshop.themes)} themes, {len(workshop.story_links)} stories",
           after={"theme_ids": workshop.theme_ids, "story_ids": checked[3]})
    db.session.commit()
    return workshop


def update_workshop(workshop: Workshop, data: dict, *, expected_version: int | None = None, actor=None) -> Workshop:
    if expected_version is not None and int(expected_version) != workshop.version:
        raise EditConflict("Someone else changed this workshop while you were editing it. Check it and save again.")
    before = {"theme_ids": workshop.theme_ids, "story_ids": workshop.story_ids}
    checked = _check_workshop_input(data)
    _apply_workshop(workshop, data, *checked)
    record("workshop.updated", workshop, actor=actor, summary=workshop.title, before=before,
           after={"theme_ids": workshop.theme_ids, "story_ids": checked[3]})
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise EditConflict("Someone else changed this workshop at the same time. Check it and save again.") from None
    return workshop


def slides(workshop) -> list[dict]:
    """One screen per theme for present mode: label, prevalence, prompts, key quotes with clip URLs."""
    allowed = {s.id for s in workshop_stories(workshop)}
    screens = []
    for number, theme in enumerate(workshop_themes(workshop), start=1):
        quotes = []
        for passage in key_quotes(theme, allowed):
            text = quote_text(passage)
            if text:
                quotes.append({"passage": passage, "text": text, "clip": clip_src(passage, offline=True),
                               "role": passage.story.role_label})
        screens.append({"number": number, "theme": theme, "prevalence": prevalence(theme),
                        "prompts": workshop.prompts_for(theme.id), "quotes": quotes})
    return screens


# --- packs ---------------------------------------------------------------------------------

def pack_content(workshop, *, built_at=None) -> tuple[dict, dict]:
    """The engines.packs content dict for a workshop, and clip specs {clip name: passage}.

    Everything goes through governance.policy: stories must have workshop consent
    now, quotes quote consent, and every text is the redacted one.
    """
    from engines.packs import clip_file_name
    from governance.policy import redacted_text, redacted_title

    stories = workshop_stories(workshop)
    words_allowed = quotable_ids()  # `workshop` consent: title, role, themes; only `quote` lets words be printed
    allowed = {s.id for s in stories}
    themes_out, clip_specs = [], {}
    story_theme_labels: dict[int, list[str]] = {s.id: [] for s in stories}
    for t_number, theme in enumerate(workshop_themes(workshop), start=1):
        prev = prevalence(theme)
        quotes = []
        for passage in key_quotes(theme, allowed):
            text = quote_text(passage)
            if not text:
                continue
            clip = None
            if passage.start is not None and passage.end is not None and story_has_audio(passage.story):
                clip = clip_file_name(t_number, len(quotes) + 1, passage.story_id, ".mp3")
                clip_specs[clip] = passage
            quotes.append({"passage_id": passage.id, "story_id": str(passage.story_id), "text": text, "clip": clip})
        for sid in prev["story_ids"]:
            if sid in story_theme_labels:
                story_theme_labels[sid].append(theme.label)
        themes_out.append({
            "id": theme.id, "label": theme.label, "description": theme.description or "",
            "story_count": prev["story_count"], "passage_count": prev["passage_count"],
            "prevalence_by_role": prev["shares"], "prompts": workshop.prompts_for(theme.id), "quotes": quotes,
        })
    stories_out = []
    for story in stories:
        text = " ".join(redacted_text(story).split()) if story.id in words_allowed else ""
        excerpt = text if len(text) <= 320 else text[:317].rsplit(" ", 1)[0] + "\u2026"
        stories_out.append({"id": str(story.id), "title": redacted_title(story), "role": story.storyteller_role,
                            "excerpt": excerpt, "themes": story_theme_labels.get(story.id, [])})
    content = {
        "workshop": {"id": workshop.id, "title": workshop.title,
                     # Said plainly on the cover rather than left blank.
                     "date": workshop.date.isoformat() if workshop.date else "Date to be agreed",
                     "place": workshop.place,
                     "purpose": workshop.purpose, "attendees": list(workshop.attendees or []),
                     "theme_run_id": workshop.theme_run_id},
        "themes": themes_out,
        "stories": stories_out,
        "consent_state": {str(s.id): s.consent_scopes() for s in stories},
        "built_at": built_at or utcnow(),
    }
    return content, clip_specs


def content_fingerprint(content: dict, clip_specs: dict) -> str:
    """Identity of what a pack would hold: content (without build time) and each clip's source."""
    body = {k: v for k, v in content.items() if k != "built_at"}
    clips = {name: [p.story_id, p.start, p.end, p.story.revision, p.story.media.sha256 if p.story.media else ""]
             for name, p in clip_specs.items()}
    blob = json.dumps({"content": body, "clips": clips}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def current_fingerprint(workshop) -> str:
    return content_fingerprint(*pack_content(workshop, built_at="-"))


def packs_dir() -> Path:
    folder = Path(current_app.config["DATA_DIR"]) / "packs"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _retire(pack: WorkshopPack, reason: str) -> None:
    (Path(current_app.config["DATA_DIR"]) / pack.path).unlink(missing_ok=True)
    pack.retired_at = utcnow()
    pack.retired_reason = reason
    record("workshop.pack_retired", pack, summary=f"pack {pack.id} of workshop {pack.workshop_id}: {reason}")


def servable_pack(workshop) -> WorkshopPack | None:
    """The built pack that may be served now, or None.

    A pack whose content no longer matches (a story withdrawn, a quote changed,
    a theme renamed…) is retired at once: its file is deleted and never served again.
    """
    packs = db.session.scalars(select(WorkshopPack).where(WorkshopPack.workshop_id == workshop.id,
                                                          WorkshopPack.retired_at.is_(None))
                               .order_by(WorkshopPack.id.desc())).all()
    if not packs:
        return None
    fingerprint = current_fingerprint(workshop)
    served = None
    changed = False
    for pack in packs:
        path = Path(current_app.config["DATA_DIR"]) / pack.path
        if served is None and pack.fingerprint == fingerprint and path.is_file():
            served = pack
        else:
            _retire(pack, "its contents changed" if pack.fingerprint != fingerprint else "replaced")
            changed = True
    if changed:
        db.session.commit()
    return served


def pack_job(workshop):
    from jobs.services import latest_job

    return latest_job(PACK_JOB, subject_type="workshop", subject_id=workshop.id)


def request_pack(workshop, *, actor=None):
    """Return ("ready", pack) if a current pack exists, else ("building", job) with a job queued or running."""
    pack = servable_pack(workshop)
    if pack is not None:
        return "ready", pack
    if not workshop_stories(workshop):
        raise WorkshopError("This workshop has no stories whose storytellers agreed to workshops, "
                            "so there is nothing to put in a pack.")
    job = pack_job(workshop)
    if job is not None and job.status in ("queued", "running"):
        return "building", job
    from jobs.services import start_job

    record("workshop.pack_requested", workshop, actor=actor, summary=workshop.title)
    db.session.commit()
    job = start_job(PACK_JOB, subject_type="workshop", subject_id=workshop.id, user=actor)
    db.session.expire_all()
    pack = servable_pack(db.session.get(Workshop, workshop.id))
    if pack is not None:  # an inline queue (tests, CLI) has already built it
        return "ready", pack
    return "building", job


def _cut_clips(clip_specs: dict):
    """Yield (clip name, redacted file) as each is ready, cutting on every core (each thread its own session)."""
    import contextvars
    import os
    from concurrent.futures import ThreadPoolExecutor, as_completed

    from themes.models import Passage

    app = current_app._get_current_object()
    items = sorted((name, passage.id) for name, passage in clip_specs.items())
    workers = max(1, min(int(app.config.get("PACK_CLIP_THREADS") or os.cpu_count() or 1), 4, len(items) or 1))
    if workers == 1 or app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///:memory:"):
        for name, passage_id in items:
            yield name, redacted_clip_path(db.session.get(Passage, passage_id))
        return

    def cut(name, passage_id):
        with app.app_context():
            try:
                return name, redacted_clip_path(db.session.get(Passage, passage_id))
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="pack-clip") as pool:
        # Each clip thread runs in a copy of this context, so its scratch carries the job's id.
        futures = [pool.submit(contextvars.copy_context().run, cut, name, pid) for name, pid in items]
        for future in as_completed(futures):
            yield future.result()


def build_pack_file(workshop, out_zip: Path, report=None) -> tuple:
    """Assemble content and clips and build the zip at out_zip. Returns (PackResult, fingerprint, content)."""
    import shutil
    import tempfile

    from engines.packs import PackContentError, build_pack

    report = report or (lambda pct, msg="": None)
    report(2, "Gathering themes, stories and quotes")
    content, clip_specs = pack_content(workshop)
    if not content["stories"]:
        raise WorkshopError("This workshop has no stories whose storytellers agreed to workshops.")
    fingerprint = content_fingerprint(content, clip_specs)
    from core.scratch import mark_stories, scratch_prefix

    staging = Path(tempfile.mkdtemp(prefix=scratch_prefix("clips"), dir=packs_dir()))
    try:
        mark_stories(staging, [s["id"] for s in content["stories"]])
        clips = {}
        for done, (name, source) in enumerate(_cut_clips(clip_specs), start=1):
            target = staging / name
            shutil.copyfile(source, target)
            clips[name] = target
            report(5 + 35 * done // max(1, len(clip_specs)), f"Cut clip {done} of {len(clip_specs)}")
        if not clip_specs:
            report(40, "No audio clips in this workshop")
        try:
            result = build_pack(content, clips, out_zip, required_scope="workshop", staging_prefix=scratch_prefix("pack"),
                                on_progress=lambda pct, msg: report(40 + pct * 58 // 100, msg))
        except PackContentError as exc:
            raise WorkshopError("The pack could not be made: " + "; ".join(exc.problems)) from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return result, fingerprint, content


PACK_BUILD_ATTEMPTS = 3


def build_and_store_pack(workshop, *, job=None, report=None, actor=None) -> WorkshopPack:
    """Build the workshop's pack into DATA_DIR/packs/, record it, retire older ones.

    Consent is checked again after the (slow) build: if a story was withdrawn or
    erased meanwhile, the finished file is deleted unpublished and the pack is
    built again without it.
    """
    for _attempt in range(PACK_BUILD_ATTEMPTS):
        out = new_pack_path(workshop)
        result, fingerprint, content = build_pack_file(workshop, out, report)
        pack = publish_pack(workshop, out, fingerprint, content, job=job, actor=actor)
        if pack is not None:
            return pack
        if report:
            report(2, "A story was withdrawn while the pack was made: making it again without it")
    raise WorkshopError("Stories kept being withdrawn while the pack was made. Try again later.")


def new_pack_path(workshop) -> Path:
    stamp = utcnow().strftime("%Y%m%d%H%M%S%f")
    return packs_dir() / f"workshop-{workshop.id}-{stamp}.zip"


def publish_pack(workshop, out: Path, fingerprint: str, content: dict, *, job=None, actor=None) -> WorkshopPack | None:
    """Record a freshly built pack file, unless a story in it lost workshop consent (or was erased)
    or its content changed during the build: then the file is deleted and None returned."""
    story_ids = [int(s["id"]) for s in content["stories"]]
    allowed = workshop_consented_ids()
    gone = [s for s in story_ids if s not in allowed]
    changed = not gone and current_fingerprint(workshop) != fingerprint
    if gone or changed:
        out.unlink(missing_ok=True)
        record("workshop.pack_discarded", workshop, actor=actor,
               summary=(f"pack built for workshop {workshop.id} not published: "
                        + (f"{len(gone)} of its stories withdrawn during the build" if gone
                           else "its contents changed during the build")),
               after={"withdrawn_story_ids": gone})
        db.session.commit()
        return None
    digest = hashlib.sha256(out.read_bytes()).hexdigest()
    pack = WorkshopPack(workshop_id=workshop.id, fingerprint=fingerprint,
                        path=str(out.relative_to(current_app.config["DATA_DIR"])), sha256=digest,
                        bytes=out.stat().st_size, story_ids=story_ids,
                        clip_count=sum(1 for t in content["themes"] for q in t["quotes"] if q["clip"]),
                        job_id=getattr(job, "id", None))
    db.session.add(pack)
    for old in db.session.scalars(select(WorkshopPack).where(WorkshopPack.workshop_id == workshop.id,
                                                             WorkshopPack.retired_at.is_(None))):
        if old is not pack:
            _retire(old, "replaced by a newer pack")
    record("workshop.pack_built", pack, actor=actor,
           summary=f"workshop {workshop.id}: {len(content['stories'])} stories, {pack.clip_count} clips",
           after={"story_ids": pack.story_ids, "fingerprint": fingerprint})
    db.session.commit()
    return pack


# --- when governance takes a story out of use ------------------------------------------------

def _packs_with_story(story_id: int, *, live_only: bool) -> list[WorkshopPack]:
    stmt = select(WorkshopPack).order_by(WorkshopPack.id)
    if live_only:
        stmt = stmt.where(WorkshopPack.retired_at.is_(None))
    return [p for p in db.session.scalars(stmt) if int(story_id) in {int(s) for s in (p.story_ids or [])}]


def _was_downloaded(pack: WorkshopPack) -> bool:
    from audit.models import AuditEntry

    return db.session.scalar(select(AuditEntry.id).where(
        AuditEntry.action == "workshop.pack_downloaded", AuditEntry.object_type == WorkshopPack.__tablename__,
        AuditEntry.object_id == str(pack.id)).limit(1)) is not None


def retire_packs_of_story(story_id: int) -> list[int]:
    """A story lost consent (or was restricted): every pack on the server that holds it is retired
    (file deleted, never served again). Flushes, never commits (the caller commits once).
    Returns the workshops whose packs were retired, for `rebuild_packs_after_withdrawal` after the commit.

    A pack already downloaded is out of our hands: it is retired too, and the audit says a copy is out there.
    """
    packs = _packs_with_story(story_id, live_only=True)
    workshops = {}
    for pack in packs:
        _retire(pack, f"story {story_id} was withdrawn")
        if _was_downloaded(pack):
            record("workshop.pack_copy_outstanding", pack,
                   summary=f"pack {pack.id} was downloaded before story {story_id} was withdrawn: "
                           "ask whoever holds the copy to delete it")
        workshops[pack.workshop_id] = pack.workshop_id
    db.session.flush()
    return list(workshops)


def rebuild_packs_after_withdrawal(workshop_ids) -> dict:
    """After the withdrawal is committed: queue a new pack for each workshop still to be held that has
    stories left; one with none left is blocked (recorded, nothing queued)."""
    outcome = {"rebuilding": [], "blocked": []}
    today = date.today()
    for workshop_id in workshop_ids:
        workshop = db.session.get(Workshop, workshop_id)
        if workshop is None or (workshop.date is not None and workshop.date < today):
            continue  # already held: nothing to rebuild
        if not workshop_stories(workshop):
            record("workshop.pack_blocked", workshop,
                   summary=f"workshop {workshop.id}: no story with workshop consent is left, so no new pack")
            db.session.commit()
            outcome["blocked"].append(workshop_id)
            continue
        job = pack_job(workshop)
        if job is None or job.status not in ("queued", "running"):
            from jobs.services import start_job

            record("workshop.pack_requested", workshop, summary=f"workshop {workshop.id}: rebuilt after a withdrawal")
            db.session.commit()
            start_job(PACK_JOB, subject_type="workshop", subject_id=workshop.id)
        outcome["rebuilding"].append(workshop_id)
    return outcome


def forget_story_packs(story_id: int) -> list[Path]:
    """A story is being erased: delete every pack row that holds it, retired ones too, and the story's
    place in workshops; return the pack files to delete after the commit. Flushes, never commits.
    Actions keep their evidence rows as placeholders."""
    packs = _packs_with_story(story_id, live_only=False)
    files = []
    for pack in packs:
        files.append(Path(current_app.config["DATA_DIR"]) / pack.path)
        record("workshop.pack_erased", pack,
               summary=f"pack {pack.id} of workshop {pack.workshop_id} deleted: a story in it was erased")
        db.session.delete(pack)
    db.session.execute(delete(WorkshopStory).where(WorkshopStory.story_id == story_id))
    db.session.flush()
    return files


def story_usage(story_id: int) -> dict:
    """Where a story was used in workshops: the workshops it was chosen for, the packs that held it,
    and the design actions citing it (as a story or through a quote). Ids and titles only."""
    outcomes = story_outcomes(story_id)
    cited = db.session.execute(
        select(ActionEvidence.action_id, ActionEvidence.kind, ActionEvidence.ref_id)
        .where(ActionEvidence.kind.in_(("story", "quote")), ActionEvidence.story_id == story_id)
        .order_by(ActionEvidence.action_id, ActionEvidence.id)).all()
    by_action: dict = {}
    for action_id, kind, ref_id in cited:
        by_action.setdefault(action_id, []).append({"kind": kind, "ref_id": ref_id})
    return {
        "workshops": [{"id": w.id, "title": w.title, "date": w.date.isoformat() if w.date else None}
                      for w in outcomes["workshops"]],
        "packs": [{"id": p.id, "workshop_id": p.workshop_id, "built_at": p.built_at.isoformat(),
                   "retired_at": p.retired_at.isoformat() if p.retired_at else None}
                  for p in _packs_with_story(story_id, live_only=False)],
        "actions": [{"id": a.id, "title": a.title, "status": a.status, "cites": by_action.get(a.id, [])}
                    for a in outcomes["actions"]],
    }


def pack_download_name(workshop) -> str:
    import re

    slug = re.sub(r"[^a-z0-9]+", "-", workshop.title.lower()).strip("-")[:50] or "workshop"
    return f"workshop-pack-{workshop.id}-{slug}.zip"


# --- design actions ------------------------------------------------------------------------

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
            "theme_ids": theme_ids, "story_ids": story_ids, "quotes": quotes}


def _set_evidence(action: DesignAction, checked: dict) -> None:
    wanted = {("theme", t): None for t in checked["theme_ids"]}
    wanted.update({("story", s): None for s in checked["story_ids"]})
    wanted.update({("quote", p.id): p.story_id for p in checked["quotes"]})
    keep = []
    for row in action.evidence:
        key = (row.kind, row.ref_id)
        if key in wanted:
            keep.append(row)
            wanted.pop(key)
        elif _unavailable(row):
            keep.append(row)  # withdrawn or erased evidence stays as a placeholder; it cannot be re-chosen
    for (kind, ref), story_id in wanted.items():
        keep.append(ActionEvidence(kind=kind, ref_id=ref, story_id=story_id if kind == "quote" else
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
    passage = db.session.get(Passage, row.ref_id)
    return passage is None or passage.story_id not in quotable_ids() or getattr(passage, "withdrawn_at", None) is not None


def _label(actor) -> str:
    return getattr(actor, "display_name", None) or getattr(actor, "email", None) or "system"


def create_action(data: dict, *, actor=None) -> DesignAction:
    checked = _check_action_input(data)
    action = DesignAction(created_by_id=getattr(actor, "id", None))
    for key in ("title", "description", "owner", "due_date", "status", "status_reason", "proposed_by", "disagreement"):
        setattr(action, key, checked[key])
    action.workshop = checked["workshop"]
    _set_evidence(action, checked)
    action.updates.append(ActionUpdate(author_id=getattr(actor, "id", None), author_label=_label(actor),
                                       kind="created", to_status=action.status,
                                       comment=checked["status_reason"] if action.status == "dropped" else ""))
    db.session.add(action)
    record("action.created", action, actor=actor, summary=action.title,
           after={"status": action.status, "theme_ids": checked["theme_ids"], "story_ids": checked["story_ids"],
                  "quotes": [p.id for p in checked["quotes"]]})
    db.session.commit()
    return action


def _snapshot(action: DesignAction) -> dict:
    return {"title": action.title, "description": action.description, "owner": action.owner,
            "due_date": action.due_date.isoformat() if action.due_date else None, "status": action.status,
            "status_reason": action.status_reason, "proposed_by": action.proposed_by,
            "disagreement": action.disagreement, "theme_ids": action.theme_ids, "story_ids": action.story_ids,
            "quotes": action.quote_ids, "version": action.version}


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
        action.updates.append(ActionUpdate(author_id=getattr(actor, "id", None), author_label=_label(actor),
                                           kind="status", from_status=old_status, to_status=action.status,
                                           comment=(data.get("comment") or action.status_reason or "").strip()))
    elif changed:
        action.updates.append(ActionUpdate(author_id=getattr(actor, "id", None), author_label=_label(actor),
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
            raise PermissionError("Only facilitators and admins change an action's status.")
        if status == "dropped" and not comment:
            raise WorkshopError("Say why the action was dropped.")
        update = ActionUpdate(author_id=getattr(actor, "id", None), author_label=_label(actor), kind="status",
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
        update = ActionUpdate(author_id=getattr(actor, "id", None), author_label=_label(actor), kind="comment",
                              comment=comment)
        action.updated_at = utcnow()  # bumps the version: a comment is a change others should see
        record("action.comment", action, actor=actor, summary=comment[:200])
    action.updates.append(update)
    _commit_action()
    return update


# --- evidence as people may see it ---------------------------------------------------------

WITHDRAWN = "Evidence withdrawn: the storyteller withdrew consent or the story was removed."


def action_evidence(action: DesignAction, viewer) -> dict:
    """Themes (with prevalence), stories and quotes the action rests on, within consent and redaction.

    Managers read a story's text only with `manager_view`; quotes need `quote` consent;
    anything withdrawn or erased becomes a placeholder that says so.
    """
    from stories.models import Story
    from themes.models import Passage, Theme

    from governance.policy import quotable_story_ids, redacted_title

    workshop_ok = workshop_consented_ids()
    quotable = _ids(quotable_story_ids(viewer))  # a manager hears and reads quotes only with `manager_view`
    staff = viewer is not None and viewer.has_role("facilitator", "admin")
    readable = manager_readable_ids()
    themes, stories, quotes = [], [], []
    for row in action.evidence:
        if row.kind == "theme":
            theme = db.session.get(Theme, row.ref_id)
            if theme is None:
                themes.append({"id": row.ref_id, "withdrawn": True, "label": "A theme that was removed"})
            else:
                themes.append({"id": theme.id, "withdrawn": False, "label": theme.label,
                               "description": theme.description, "prevalence": prevalence(theme)})
        elif row.kind == "story":
            story = db.session.get(Story, row.ref_id)
            if story is None or story.id not in workshop_ok:
                stories.append({"id": row.ref_id, "withdrawn": True, "text": WITHDRAWN})
            else:
                may_read = staff or story.id in readable
                stories.append({"id": story.id, "withdrawn": False, "title": redacted_title(story) if may_read else None,
                                "role": story.role_label, "may_read": may_read})
        elif row.kind == "quote":
            passage = db.session.get(Passage, row.ref_id)
            text = None
            if passage is not None and passage.story_id in quotable and getattr(passage, "withdrawn_at", None) is None:
                text = quote_text(passage)
            if not text:
                quotes.append({"id": row.ref_id, "withdrawn": True, "text": WITHDRAWN})
            else:
                quotes.append({"id": passage.id, "withdrawn": False, "text": text, "clip": clip_src(passage),
                               "role": passage.story.role_label,
                               "theme": passage.theme.label if passage.theme else ""})
    return {"themes": themes, "stories": stories, "quotes": quotes}


def story_outcomes(story_id: int) -> dict:
    """What came of a story: the workshops it was discussed in and the actions that cite it."""
    workshops = db.session.scalars(
        select(Workshop).join(WorkshopStory).where(WorkshopStory.story_id == story_id)
        .order_by(Workshop.date.desc(), Workshop.id.desc())).all()
    actions = db.session.scalars(
        select(DesignAction).join(ActionEvidence)
        .where(ActionEvidence.kind.in_(("story", "quote")), ActionEvidence.story_id == story_id)
        .distinct().order_by(DesignAction.id)).all()
    return {"workshops": workshops, "actions": actions}


# --- managers' dashboard -------------------------------------------------------------------

def filter_actions(*, status=None, theme_id=None, owner=None, workshop_id=None, due=None):
    """A select() of actions for the dashboard, the CSV export and the API."""
    stmt = select(DesignAction).order_by(DesignAction.due_date.is_(None), DesignAction.due_date, DesignAction.id)
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

    actions = db.session.scalars(select(DesignAction)).all()
    by_status = [(ACTION_STATUSES[s], sum(1 for a in actions if a.status == s), s) for s in ACTION_STATUSES]
    counts: dict[int, int] = {}
    for a in actions:
        for tid in a.theme_ids:
            counts[tid] = counts.get(tid, 0) + 1
    by_theme = []
    for tid, n in counts.items():
        theme = db.session.get(Theme, tid)
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


def bar_chart(rows, *, title: str, colour: str = "#1d4e6b", unit: str = "actions") -> dict:
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
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "title", "what will change for service users", "owner", "due date", "status",
                     "reason", "overdue", "workshop", "proposed by", "disagreement or minority view", "theme ids",
                     "story ids", "quote ids", "updated"])
    for a in actions:
        row = [a.id, a.title, a.description, a.owner, a.due_date.isoformat() if a.due_date else "", a.status_label,
               a.status_reason, "yes" if a.is_overdue else "", a.workshop.title if a.workshop else "", a.proposed_by,
               a.disagreement, " ".join(map(str, a.theme_ids)), " ".join(map(str, a.story_ids)),
               " ".join(map(str, a.quote_ids)), a.updated_at.isoformat(timespec="minutes")]
        # Spreadsheet formula injection: text starting with = + - @ is shown, never run.
        writer.writerow([f"'{v}" if isinstance(v, str) and v[:1] in ("=", "+", "-", "@") else v for v in row])
    return out.getvalue()


# --- REFI-QDA ------------------------------------------------------------------------------

def qdpx_project(run, *, actor=None) -> dict:
    """A REFI-QDA project dict for a theme run: redacted transcripts, themes as codes, quotes as segments."""
    from engines.packs.content import theme_colour
    from governance.policy import analysable_story_ids, redacted_text, redacted_title
    from stories.models import Story

    # A file leaving the site carries words only of stories whose storytellers agreed to be quoted.
    analysable = _ids(analysable_story_ids()) & quotable_ids()
    themes = run_themes(run)
    story_ids = {p.story_id for t in themes for p in theme_passages(t)} | set(run.story_ids or [])
    story_ids &= analysable
    stories = db.session.scalars(select(Story).where(Story.id.in_(story_ids)).order_by(Story.id)).all() if story_ids else []
    texts = {s.id: redacted_text(s) for s in stories}
    segments, skipped = [], 0
    for theme in themes:
        for passage in theme_passages(theme):
            if passage.story_id not in texts:
                continue
            words = quote_text(passage)
            start = texts[passage.story_id].find(words) if words else -1
            if start < 0:
                skipped += 1
                continue
            segments.append({"story_id": str(passage.story_id), "start": start, "end": start + len(words),
                             "theme_id": theme.id, "text": words})
    reporter_codes = []
    try:
        from themes.models import Code, PassageCode, Passage

        codes = db.session.scalars(select(Code).order_by(Code.name)).all()
        reporter_codes = [{"id": c.id, "name": c.name, "description": c.description or ""} for c in codes]
        for pc in db.session.scalars(select(PassageCode)):
            if pc.story_id not in texts:
                continue
            passage = db.session.scalars(select(Passage).where(Passage.story_id == pc.story_id,
                                                               Passage.text_hash == pc.text_hash)).first()
            words = quote_text(passage) if passage is not None else None
            start = texts[pc.story_id].find(words) if words else -1
            if start >= 0:
                segments.append({"story_id": str(pc.story_id), "start": start, "end": start + len(words),
                                 "reporter_code_id": pc.code_id, "text": words})
    except ImportError:
        pass
    return {
        "name": f"Storyloom - theme run {run.id}",
        "description": "Redacted stories, the themes people shaped, and the passages coded to them.",
        "exported_by": {"id": f"u{getattr(actor, 'id', 0)}", "name": _label(actor)},
        "exported_at": utcnow(),
        "themes": [{"id": t.id, "label": t.label, "description": t.description or "", "color": theme_colour(i)}
                   for i, t in enumerate(themes)],
        "reporter_codes": reporter_codes,
        "stories": [{"id": str(s.id), "title": redacted_title(s), "role": s.storyteller_role, "text": texts[s.id]}
                    for s in stories],
        "segments": segments,
        "notes": [{"title": f"Theme run {run.id}",
                   "text": f"Model {run.model or 'unknown'}; settings {json.dumps(run.settings or {})}; "
                           f"{skipped} passages left out because their words changed after redaction."}],
    }


def export_qdpx(run, out_path, *, actor=None) -> Path:
    from engines.qdpx import build_qdpx

    path = build_qdpx(qdpx_project(run, actor=actor), out_path)
    record("themes.qdpx_export", run, actor=actor, summary=f"theme run {run.id} to REFI-QDA")
    db.session.commit()
    return Path(path)
