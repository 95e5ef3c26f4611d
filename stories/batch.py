"""Several sound files in one upload: each becomes its own story, and each file's outcome
(name, size, length, saved or not, and why not in plain words) is told back to the reporter."""
from __future__ import annotations

from dataclasses import dataclass

from stories.media import MediaError, human_size
from stories.services import StoryError, create_audio_story, latest_transcription


@dataclass
class FileOutcome:
    name: str
    size: str
    duration_s: float | None = None
    story: object = None
    job: object = None  # its transcription, for a live progress bar
    error: str = ""
    status: int = 200

    @property
    def state(self) -> str:
        return "Saved: being typed up" if self.story is not None else "Not saved"


def _size_of(stream) -> int | None:
    try:
        here = stream.tell()
        stream.seek(0, 2)
        size = stream.tell()
        stream.seek(here)
        return size
    except (AttributeError, OSError, ValueError):
        return None


def add_uploads(files, details: dict, consent: dict, reporter, *, consent_form=None) -> list[FileOutcome]:
    """One story per file (titles numbered when there are several); a bad file does not stop the others."""
    outcomes = []
    for number, upload in enumerate(files, start=1):
        size = _size_of(upload.stream)
        outcome = FileOutcome(name=upload.filename, size=human_size(size) if size is not None else "")
        mine = dict(details)
        if len(files) > 1:
            mine["title"] = f"{details['title']} ({number} of {len(files)})"[:200]
        try:
            outcome.story = create_audio_story(upload.stream, upload.filename, mine, consent, reporter,
                                               content_type=upload.mimetype or "",
                                               consent_form=consent_form if number == 1 else None)
            outcome.duration_s = outcome.story.duration_s
            outcome.job = latest_transcription(outcome.story)
        except (MediaError, StoryError) as exc:
            outcome.error = exc.message
            outcome.status = exc.status if exc.status >= 400 else 400
        outcomes.append(outcome)
    return outcomes
