"""Several sound files in one upload: each becomes its own story, and each file's outcome
(name, size, length, saved or not, and why not in plain words) is told back to the reporter."""
from __future__ import annotations

from dataclasses import dataclass

from stories.media import MediaError, human_size
from stories.models import CONSENT_SCOPES, STORYTELLER_ROLES
from stories.services import StoryError, create_audio_story, latest_transcription

# Each chosen file's own fields, as static/js/stories-upload.js adds them: file-<n>-title,
# file-<n>-storyteller_role, and file-<n>-consent ("own" to use file-<n>-consent_scopes instead of
# the shared consent). Without JavaScript there are none and every file takes the shared fields.
PREFIX = "file-{}-"


def file_choices(formdata, count: int) -> tuple[list[dict], list[str]]:
    """Each file's own title / role / consent scopes (only those given), and any problems in plain words."""
    choices, problems = [], []
    for n in range(count):
        key = PREFIX.format(n)
        mine = {}
        title = (formdata.get(key + "title") or "").strip()
        if len(title) > 200:
            problems.append(f"The title of file {n + 1} is too long (200 characters at most).")
        elif title:
            mine["title"] = title
        role = formdata.get(key + "storyteller_role") or ""
        if role and role not in STORYTELLER_ROLES:
            problems.append(f"Choose who told the story in file {n + 1}.")
        elif role:
            mine["storyteller_role"] = role
        if formdata.get(key + "consent") == "own":
            scopes = formdata.getlist(key + "consent_scopes")
            if set(scopes) - set(CONSENT_SCOPES):
                problems.append(f"Tick only the consent choices shown for file {n + 1}.")
            mine["scopes"] = [s for s in CONSENT_SCOPES if s in scopes]
        choices.append(mine)
    return choices, problems


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


def add_uploads(files, details: dict, consent: dict, reporter, *, consent_form=None,
                choices: list[dict] | None = None) -> list[FileOutcome]:
    """One story per file; a bad file does not stop the others. A file's own `choices` (file_choices) win;
    else it takes the shared details, its title numbered when there are several."""
    outcomes = []
    for number, upload in enumerate(files, start=1):
        size = _size_of(upload.stream)
        outcome = FileOutcome(name=upload.filename, size=human_size(size) if size is not None else "")
        own = (choices or [])[number - 1] if number <= len(choices or []) else {}
        mine = dict(details)
        if len(files) > 1:
            mine["title"] = f"{details['title']} ({number} of {len(files)})"[:200]
        mine.update({k: v for k, v in own.items() if k != "scopes"})
        its_consent = {**consent, "scopes": own["scopes"]} if "scopes" in own else consent
        try:
            outcome.story = create_audio_story(upload.stream, upload.filename, mine, its_consent, reporter,
                                               content_type=upload.mimetype or "",
                                               consent_form=consent_form if number == 1 else None)
            outcome.duration_s = outcome.story.duration_s
            outcome.job = latest_transcription(outcome.story)
        except (MediaError, StoryError) as exc:
            outcome.error = exc.message
            outcome.status = exc.status if exc.status >= 400 else 400
        outcomes.append(outcome)
    return outcomes
