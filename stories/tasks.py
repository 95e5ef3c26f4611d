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
    from stories.glossary import hotwords as glossary_hotwords
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
    from engines.transcription.models import ModelError, resolve_model

    try:
        transcriber = get_transcriber(resolve_model(current_app.config.get("WHISPER_MODEL"), current_app.config["DATA_DIR"]))
    except ModelError as exc:
        raise JobError(exc.message) from exc
    last = {"percent": 0}

    def progress(done: float, total: float) -> None:
        percent = int(min(99, max(1, 100 * done / total))) if total else 50
        if percent > last["percent"]:
            last["percent"] = percent
            report(percent, f"Typed up {_clock(done)} of {_clock(total)}")

    try:
        with local_media_path(story.media) as path:
            result = transcriber.transcribe(path, language=_whisper_language(story.language), on_progress=progress,
                                            hotwords=glossary_hotwords())
            data = result.to_dict()
            english = _english_version(transcriber, path, result.language, report, story.storyteller_name)
            report(90, "Telling the voices apart")
            data["segments"] = _name_speakers(path, data["segments"], _enrolled_voice(story.reporter_id))
    except TranscriptionError as exc:
        raise JobError(exc.message) from exc
    except MediaError as exc:
        raise JobError(exc.message) from exc
    story = db.session.get(Story, job.story_id)
    if story is None:
        raise JobError("The story was deleted while it was being typed up.")
    if transcriber.multilingual and result.language:
        story.language = result.language  # what the model heard (ISO 639-1), whatever the form said
    story.english_segments = english
    save_machine_transcript(story, data, reviewed=bool(job.params.get("reviewed")))
    governance_for(story).scan_state = "pending"  # held from the same commit that saves the words
    db.session.commit()
    words = sum(len(s["words"]) for s in data["segments"])
    report(95, "Checking for names, places and anything a safeguarding lead should read")
    _check_governance(story.id, report)
    report(100, f"Typed up {_clock(data['duration_s'])}: {words} words")
    return {"segments": len(data["segments"]), "words": words, "duration_s": data["duration_s"], "model": data["model"]}


def _english_version(transcriber, path, language: str, report, storyteller_name: str = "") -> list[dict] | None:
    """Whisper's translate task for a story not told in English: [{start, end, text}], else None."""
    if not transcriber.multilingual or not language or language == "en":
        return None
    report(80, "Making an English version")
    english = transcriber.transcribe(path, language=language, task="translate")
    segments = [{"start": s.start, "end": s.end, "text": s.text} for s in english.segments if s.text.strip()]
    return _redacted_english(segments, storyteller_name)


def _redacted_english(segments: list[dict], storyteller_name: str = "") -> list[dict]:
    """Names, places and the site's always-redact terms tagged in the English version before it is stored.

    Other people only ever see this version of a story told in another language; the
    patterns (phones, emails, numbers) are found on the original by the usual scan.
    """
    from engines.redaction import apply_redactions, detect_redactions, load_nlp
    from governance.services import always_redact_terms

    nlp = load_nlp()
    terms = [(t.term, t.kind) for t in always_redact_terms()]
    if storyteller_name.strip():
        terms.append((storyteller_name.strip(), "name"))
    return [{**s, "text": apply_redactions(s["text"], detect_redactions(s["text"], terms, nlp))} for s in segments]


def _name_speakers(path, segments: list[dict], reporter_voice) -> list[dict]:
    """Segments split at speaker changes and labelled Reporter / Storyteller / Speaker N.

    Diarization is a help, not a gate: if it fails the words are kept without speakers.
    """
    from engines.diarize import assign_speakers, diarize, match_enrolled
    from stories.speakers import label_segments, speaking_time

    try:
        found = diarize(path)
    except Exception:
        current_app.logger.exception("telling the voices apart failed; the transcript is kept without speakers")
        return segments
    reporter = match_enrolled(found, reporter_voice) if reporter_voice else None
    return label_segments(assign_speakers(segments, found.turns), speaking_time(found.turns), reporter)


def _enrolled_voice(user_id):
    """The reporter's enrolled voice embedding, if they recorded a consented sample."""
    from stories.voice import enrolled_embedding

    return enrolled_embedding(user_id)


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


@handles("stories.align")
def align(job, report):
    """Real times for edited words (forced alignment), then the governance check of the new words."""
    from governance.services import scan_story
    from stories.alignment import align_story

    try:
        result = align_story(job.story_id, report)
    except Exception:
        db.session.rollback()
        current_app.logger.exception("aligning story %s failed; its edited words stay untimed", job.story_id)
        result = {"segments": 0, "words": 0, "failed": True}
    report(85, "Checking the new words for names and risks")
    result["check"] = scan_story(job.story_id)
    report(100, f"{result['words']} new words placed in the audio; checked")
    return result


def _whisper_language(language: str) -> str:
    return "auto" if not language or language == "other" else language


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
    """Remove abandoned resumable uploads (encrypted parts), stray plaintext temp files and the keys
    of stories whose creation rolled back."""
    from stories.media import cleanup_tmp, sweep_unused_keys
    from stories.uploads import cleanup_abandoned

    return {"uploads": cleanup_abandoned(), "temp_files": cleanup_tmp(), "unused_keys": sweep_unused_keys()}


@handles("stories.enrol_voice", queue="heavy")
def enrol_voice(job, report):
    """Learn a reporter's voice from their sealed sample (resemblyzer); only the sealed embedding stays."""
    from stories.voice import learn_voice

    result = learn_voice(job.subject_id, report)
    report(100, "Your voice is learned" if result.get("learned") else "Nothing to learn")
    return result
