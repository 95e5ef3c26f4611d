"""A reel per theme: its key quotes' redacted clips, built by the job `evidence.reel`.

What goes in is asked of governance at build time and again at every download: the reel
on disk is served only while its fingerprint (stories, ranges, media, redactions) is still
what the theme's quotes give now. A withdrawal, a redaction decision or an erasure
changes it, so an old reel is never served; the listener below also deletes every reel
in the commit's aftermath when any story is withdrawn or erased.

Reel files live in the media store like other media, sealed (core/sealed.py) under
`reels/<theme>/<fingerprint>/`; they are built in a scratch folder (core/scratch.py: swept
when the job ends and on erasure) and served decrypted as they stream (core/serve.py).
"""
from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from pathlib import Path

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from extensions import db
from governance import policy
from stories.models import ConsentRecord, Story

REEL_JOB = "evidence.reel"
MAX_REEL_QUOTES = 6


class ReelError(RuntimeError):
    """No reel can be made; the message says why."""


REEL_FILES = ("reel.mp3", "reel.vtt", "reel.mp4")


def reel_prefix(theme_id: int | None = None) -> str:
    """The media-store prefix of a theme's reels (or of all reels)."""
    return f"reels/{theme_id}/" if theme_id is not None else "reels/"


def _store():
    from core.storage import storage

    return storage()


def reel_quotes(theme) -> list[dict]:
    """[{story, start, end, text, speaker}] for the reel: people's quotes (pinned first), then key passages;
    only stories that may be quoted and that have audio, words redacted."""
    from themes.quotes import quotes_for_theme
    from themes.read import key_quotes, quote_text

    items = []
    for q in quotes_for_theme(theme):
        story = db.session.get(Story, q["story_id"])
        if story.media_id:
            items.append({"story": story, "start": q["start"], "end": q["end"], "text": q["text"],
                          "speaker": story.role_label})
    for passage in key_quotes(theme):
        text = quote_text(passage)
        if text and passage.story.media_id and passage.start is not None and passage.end is not None:
            items.append({"story": passage.story, "start": passage.start, "end": passage.end, "text": text,
                          "speaker": passage.story.role_label})
    quotable = set(db.session.scalars(policy.quotable_story_ids()))
    return [i for i in items if i["story"].id in quotable][:MAX_REEL_QUOTES]


def fingerprint(items: list[dict]) -> str:
    from governance.clips import mute_ranges

    body = [[i["story"].id, round(i["start"], 3), round(i["end"], 3), i["story"].media.sha256, mute_ranges(i["story"]),
             i["text"]] for i in items]
    return hashlib.sha256(json.dumps(body).encode()).hexdigest()[:24]


def current_reel(theme) -> str | None:
    """The store prefix of the theme's reel (`reels/<theme>/<fingerprint>/`) if one was built from exactly
    what its quotes give now, else None."""
    items = reel_quotes(theme)
    if not items:
        return None
    prefix = f"{reel_prefix(theme.id)}{fingerprint(items)}/"
    return prefix if _store().exists(prefix + "reel.mp4") else None


def build_reel_for(theme, report=None) -> str:
    """Cut each quote's redacted clip, build the reel (engines.reels) in scratch, seal its files into the
    media store; returns the store prefix of the reel."""
    from core.scratch import mark_stories, scratch_prefix
    from core.sealed import put_sealed, write_plain
    from engines.reels import build_reel

    items = reel_quotes(theme)
    if not items:
        raise ReelError("This theme has no quotes with audio that may be played.")
    scratch = Path(current_app.config["DATA_DIR"]) / "tmp"
    scratch.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=scratch_prefix("reel"), dir=scratch))
    try:
        mark_stories(staging, {i["story"].id for i in items})  # erasure sweeps it if a crash leaves it
        (staging / "clips").mkdir()
        clips = []
        for n, item in enumerate(items, start=1):
            plain = staging / "clips" / f"{n:02d}.mp3"  # governance keeps clips sealed: open each for ffmpeg
            write_plain(_store(), policy.redacted_clip_file(item["story"], item["start"], item["end"]), plain)
            clips.append({"clip": plain, "speaker": item["speaker"], "text": item["text"]})
            if report:
                report(int(20 * n / len(items)), f"Cutting clip {n} of {len(items)}")
        build_reel(clips, staging, title=theme.label, report=report)
        _store().delete_prefix(reel_prefix(theme.id))  # older reels of this theme go
        prefix = f"{reel_prefix(theme.id)}{fingerprint(items)}/"
        for name in REEL_FILES:  # the video last: current_reel looks for it
            put_sealed(_store(), prefix + name, staging / name, staging)
        return prefix
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def request_reel(theme, *, actor=None):
    """Start the reel job for a theme; returns the Job (an inline queue has already built it)."""
    from audit.services import record
    from jobs.services import start_job

    if not reel_quotes(theme):
        raise ReelError("This theme has no quotes with audio that may be played.")
    record("theme.reel_requested", theme, actor=actor, summary=f"Reel of theme {theme.id} requested")
    db.session.commit()
    return start_job(REEL_JOB, subject_type="theme", subject_id=theme.id, user=actor)


def reel_job(theme):
    from jobs.services import latest_job

    return latest_job(REEL_JOB, subject_type="theme", subject_id=theme.id)


# A withdrawn or erased story's voice must not stay in any reel file: drop them all after that commit.
_PURGE = "evidence_purge_reels"


@event.listens_for(Session, "after_flush")
def _note_withdrawals(session, flush_context) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if (isinstance(obj, ConsentRecord) and obj.withdrawn_at is not None) or (
                isinstance(obj, Story) and obj in session.deleted):
            session.info[_PURGE] = True


@event.listens_for(Session, "after_commit")
def _purge_reels(session) -> None:
    if session.info.pop(_PURGE, False):
        try:
            _store().delete_prefix(reel_prefix())
        except RuntimeError:  # no app context (a script's own session)
            pass
