"""Workshop packs: their content through governance.policy, the fingerprint, the build job, publishing.

Stories must have workshop consent now, quotes quote consent, and every text is the
redacted one. A pack whose content no longer matches its fingerprint is retired.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from audit.services import record
from core.timeutil import utcnow
from extensions import db
from themes.read import chosen_quotes, key_quotes, prevalence, quotable_ids, quote_speaker, quote_text
from workshops.clips import redacted_clip_path, story_has_audio
from workshops.errors import WorkshopError
from workshops.models import Workshop, WorkshopPack
from workshops.planning import workshop_consented_ids, workshop_stories, workshop_themes


PACK_JOB = "workshops.pack"


def pack_content(workshop, *, built_at=None) -> tuple[dict, dict]:
    """The engines.packs content dict for a workshop, and clip specs {clip name: passage}.

    Everything goes through governance.policy: stories must have workshop consent
    now, quotes quote consent, and every text is the redacted one.
    """
    from engines.packs import clip_file_name
    from governance.policy import redacted_text, redacted_title

    stories = workshop_stories(workshop)
    allowed = {s.id for s in stories}
    words_allowed = quotable_ids()  # `workshop` consent: title, role, themes; only `quote` lets words be printed
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
            quotes.append({"passage_id": passage.id, "story_id": str(passage.story_id), "text": text, "clip": clip,
                           "speaker": quote_speaker(passage)})
        for quote, text in chosen_quotes(theme, allowed):  # quotes people chose and placed on the theme
            clip = clip_file_name(t_number, len(quotes) + 1, quote.story_id, ".mp3") if story_has_audio(quote.story) else None
            if clip:
                clip_specs[clip] = quote
            quotes.append({"passage_id": None, "quote_id": quote.id, "story_id": str(quote.story_id), "text": text,
                           "clip": clip, "speaker": quote_speaker(quote)})
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
    """Local scratch for building packs (the finished pack is sealed into the media store)."""
    folder = Path(current_app.config["DATA_DIR"]) / "tmp" / "packs"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def _storage():
    from core.storage import storage

    return storage()


SEALED_SUFFIX = ".zip.sealed"  # packs stored before packs were sealed lack it: retired and rebuilt


def _retire(pack: WorkshopPack, reason: str) -> None:
    _storage().delete(pack.path)
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
        if served is None and pack.fingerprint == fingerprint and pack.path.endswith(SEALED_SUFFIX) \
                and _storage().exists(pack.path):
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

    app = current_app._get_current_object()
    items = sorted((name, (type(source), source.id)) for name, source in clip_specs.items())  # a passage or a quote
    workers = max(1, min(int(app.config.get("PACK_CLIP_THREADS") or os.cpu_count() or 1), 4, len(items) or 1))
    if workers == 1 or app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///:memory:"):
        for name, (model, source_id) in items:
            yield name, redacted_clip_path(db.session.get(model, source_id))
        return

    def cut(name, source):
        with app.app_context():
            try:
                return name, redacted_clip_path(db.session.get(*source))
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="pack-clip") as pool:
        # Each clip thread runs in a copy of this context, so its scratch carries the job's id (core/scratch.py).
        futures = [pool.submit(contextvars.copy_context().run, cut, name, pid) for name, pid in items]
        for future in as_completed(futures):
            yield future.result()


PACK_REEL_QUOTES = 6  # as many as a theme reel on the board (evidence.reels.MAX_REEL_QUOTES)


def _pack_reels(content: dict, clips: dict, staging: Path) -> dict:
    """Each theme's reel, joined from the pack's own redacted clips (so only its stories, with quote consent):
    sets theme["reel"] to its file names and returns {file name: built file} for engines.packs."""
    from config import STORYTELLER_LABELS
    from engines.reels import build_reel

    roles = {s["id"]: s["role"] for s in content["stories"]}
    out = {}
    for number, theme in enumerate(content["themes"], start=1):
        items = [{"clip": clips[q["clip"]], "speaker": STORYTELLER_LABELS.get(roles.get(q["story_id"]), "Storyteller"),
                  "text": q["text"]} for q in theme["quotes"] if q["clip"] in clips][:PACK_REEL_QUOTES]
        if not items:
            continue
        made = build_reel(items, staging / f"reel-{number:02d}", title=theme["label"])
        names = {kind: f"theme-{number:02d}-reel{Path(made[kind]).suffix}" for kind in ("audio", "captions", "video")}
        out.update({names[kind]: made[kind] for kind in names})
        theme["reel"] = names
    return out


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
        from core.sealed import write_plain

        for done, (name, source) in enumerate(_cut_clips(clip_specs), start=1):
            target = staging / name
            write_plain(_storage(), source, target)
            clips[name] = target
            report(5 + 35 * done // max(1, len(clip_specs)), f"Cut clip {done} of {len(clip_specs)}")
        if not clip_specs:
            report(40, "No audio clips in this workshop")
        reels = _pack_reels(content, clips, staging)
        try:
            result = build_pack(content, clips, out_zip, required_scope="workshop", staging_prefix=scratch_prefix("pack"),
                                on_progress=lambda pct, msg: report(40 + pct * 58 // 100, msg), reels=reels)
        except PackContentError as exc:
            if not staging.exists():
                raise StagingSwept() from None
            raise WorkshopError("The pack could not be made: " + "; ".join(exc.problems)) from None
    except FileNotFoundError:
        if staging.exists():
            raise
        raise StagingSwept() from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return result, fingerprint, content


class StagingSwept(WorkshopError):
    """A story in the pack was erased during the build, and its scratch (core/scratch.py) went with it."""


PACK_BUILD_ATTEMPTS = 3


def build_and_store_pack(workshop, *, job=None, report=None, actor=None) -> WorkshopPack:
    """Build the workshop's pack (in local scratch), seal it into the media store, record it, retire older ones.

    Consent is checked again after the (slow) build: if a story was withdrawn or
    erased meanwhile, the finished file is deleted unpublished and the pack is
    built again without it.
    """
    for _attempt in range(PACK_BUILD_ATTEMPTS):
        out = new_pack_path(workshop)
        try:
            result, fingerprint, content = build_pack_file(workshop, out, report)
        except StagingSwept:
            out.unlink(missing_ok=True)
            record("workshop.pack_discarded", workshop, actor=actor,
                   summary=f"pack built for workshop {workshop.id} not published: a story in it was erased during the build")
            db.session.commit()
            continue
        try:
            pack = publish_pack(workshop, out, fingerprint, content, job=job, actor=actor)
        finally:
            out.unlink(missing_ok=True)
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
    from core.sealed import put_sealed

    object_key = f"packs/{out.stem}{SEALED_SUFFIX}"
    put_sealed(_storage(), object_key, out, packs_dir())
    pack = WorkshopPack(workshop_id=workshop.id, fingerprint=fingerprint, path=object_key, sha256=digest,
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


def pack_download_name(workshop) -> str:
    import re

    slug = re.sub(r"[^a-z0-9]+", "-", workshop.title.lower()).strip("-")[:50] or "workshop"
    return f"workshop-pack-{workshop.id}-{slug}.zip"


def record_download(pack: WorkshopPack, *, actor=None) -> None:
    """Audit that someone took a copy of the pack (a later withdrawal must say a copy is out there)."""
    record("workshop.pack_downloaded", pack, actor=actor, summary=f"workshop {pack.workshop_id}")
    db.session.commit()
