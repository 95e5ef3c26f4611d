"""Worker jobs for stories: transcription with faster-whisper (loaded once per worker process)."""
from __future__ import annotations

from flask import current_app
from huey import crontab

from audit.services import record
from extensions import db
from jobs.registry import handles, periodic
from jobs.runner import JobError


def _clock(seconds: float) -> str:
    seconds = int(round(seconds or 0))
    return f"{seconds // 60}:{seconds % 60:02d}"


@handles("stories.transcribe", queue="heavy")
def transcribe(job, report):
    """Type up a story's recording: segments, words, uncertain words and guard flags."""
    from engines.transcribe import TranscriptionError, get_transcriber
    from governance.services import governance_for
    from stories.media import MediaError, local_media_path
    from stories.models import Story
    from stories.transcript import save_machine_transcript

    story = db.session.get(Story, job.story_id)
    if story is None:
        raise JobError("The story was deleted before it could be typed up.")
    if story.media is None:
        raise JobError("This story has no recording to type up.")
    story.status = "transcribing"
    story.status_reason = ""
    db.session.commit()
    report(1, "Getting ready to listen")
    transcriber = get_transcriber(current_app.config.get("WHISPER_MODEL") or None)
    last = {"percent": 0}

    def progress(done: float, total: float) -> None:
        percent = int(min(99, max(1, 100 * done / total))) if total else 50
        if percent > last["percent"]:
            last["percent"] = percent
            report(percent, f"Typed up {_clock(done)} of {_clock(total)}")

    try:
        with local_media_path(story.media) as path:
            result = transcriber.transcribe(path, language=_whisper_language(story.language), on_progress=progress)
    except TranscriptionError as exc:
        raise JobError(exc.message) from exc
    except MediaError as exc:
        raise JobError(exc.message) from exc
    data = result.to_dict()
    story = db.session.get(Story, job.story_id)
    if story is None:
        raise JobError("The story was deleted while it was being typed up.")
    save_machine_transcript(story, data, reviewed=bool(job.params.get("reviewed")))
    governance_for(story).scan_state = "pending"  # held from the same commit that saves the words
    db.session.commit()
    words = sum(len(s["words"]) for s in data["segments"])
    report(95, "Checking for names, places and anything a safeguarding lead should read")
    _check_governance(story.id, report)
    report(100, f"Typed up {_clock(data['duration_s'])}: {words} words")
    return {"segments": len(data["segments"]), "words": words, "duration_s": data["duration_s"], "model": data["model"]}


def _check_governance(story_id: int, report) -> None:
    """Redaction detection and safeguarding flags on the new transcript.

    A failed check does not undo the transcription: governance marks the scan
    failed, the story stays held, and it waits in the safeguarding queue.
    """
    from governance.services import after_transcription

    try:
        after_transcription(story_id, report=lambda percent, message="": report(95 + int(percent) * 4 // 100, message))
    except Exception:
        db.session.rollback()
        current_app.logger.exception("the governance check of story %s failed; it stays held", story_id)


def _whisper_language(language: str) -> str:
    return language if language and language != "other" else "en"


def _on_failure(job, error: str) -> None:
    from stories.models import Story

    story = db.session.get(Story, job.story_id) if job.story_id else None
    if story is not None:
        story.status = "failed"
        story.status_reason = error
        record("story.transcription_failed", story, actor=None, summary=error[:500])


transcribe.on_failure = _on_failure


@periodic("stories.clean_uploads", crontab(minute="40"))
def clean_uploads(job, report):
    """Remove abandoned resumable uploads (encrypted parts) and stray plaintext temp files."""
    from stories.media import cleanup_tmp
    from stories.uploads import cleanup_abandoned

    return {"uploads": cleanup_abandoned(), "temp_files": cleanup_tmp()}
