"""The workshop-pack content model: what the Flask side hands over, checked and tidied.

The content dict (all text already redacted by the caller):

    {
      "workshop": {
        "id": 12, "title": "Getting to appointments", "date": "2025-03-14",
        "place": "Hope Street Probation Office, room 2",
        "purpose": "Hear what people told us and agree what we will change.",
        "attendees": ["Sam (peer mentor)", "Jo (facilitator)"],
        "theme_run_id": 7,
      },
      "themes": [{
        "id": 3, "label": "Getting there", "description": "...",
        "story_count": 7, "passage_count": 12,
        "prevalence_by_role": {"service_user": 0.6, "staff": 0.2, "peer_mentor": 0.1,
                               "partner": 0.1, "other": 0.0},   # shares 0..1, missing = 0
        "prompts": ["What would make getting here easier?"],
        "quotes": [{"passage_id": 41, "story_id": "d01", "text": "...",
                    "clip": "theme-01-quote-01-story-d01.mp3",   # clip may be None
                    "speaker": "Storyteller"}],   # Reporter, Storyteller, Speaker N, or None
      }],
      "stories": [{"id": "d01", "title": "Choosing between food and the fare",
                   "role": "service_user", "excerpt": "...", "themes": ["Getting there"]}],
      "consent_state": {"d01": ["workshop", "audio"]},
      "built_at": "2025-03-10T09:30:00Z",     # ISO string or datetime
    }

`workshop.date` may be an ISO date string or a `datetime.date`; ids may be int or str.
Every story quoted or carded must be in `stories` and have a consent entry.
"""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from config import ROLE_COLOURS, STORYTELLER_GROUPS, STORYTELLER_TOLD_BY, STORYTELLERS, THEME_COLOURS  # noqa: F401

# Who said a quote: only these forms, never a name someone typed as a speaker label.
_SPEAKER = re.compile(r"^(Reporter|Storyteller|Speaker \d{1,3})$")
# The one vocabulary and palette of the site (config.py), so print and screen say the same.
ROLES = tuple(STORYTELLERS)
ROLE_LABELS = STORYTELLER_GROUPS  # plain words for a group of storytellers
ROLE_SINGULAR = STORYTELLER_TOLD_BY  # "told by a person on probation"

AUDIO_SUFFIXES = {".mp3", ".ogg", ".oga", ".opus", ".m4a", ".wav"}
REEL_KINDS = {"audio": ".mp3", "captions": ".vtt", "video": ".mp4"}  # a theme reel's files, under reels/
_SAFE_CLIP_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,120}$")


class PackContentError(ValueError):
    """The content dict cannot make a pack; `problems` lists every reason found."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


def clip_file_name(theme_number: int, quote_number: int, story_id, suffix: str = ".mp3") -> str:
    """Suggested clip name a person can find in a folder: theme-02-quote-03-story-d17.mp3.

    Numbers are 1-based positions in the pack, so the name matches what the handout says.
    """
    story = re.sub(r"[^A-Za-z0-9-]+", "-", str(story_id)).strip("-") or "x"
    return f"theme-{theme_number:02d}-quote-{quote_number:02d}-story-{story}{suffix.lower()}"


def theme_colour(index: int) -> str:
    """Colour for the theme at 0-based position `index` (shared by PDF, viewer and QDPX)."""
    return THEME_COLOURS[index % len(THEME_COLOURS)]


def format_date(value) -> str:
    """'Friday 14 March 2025' from an ISO string or date; other strings are returned as given."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value[:10])
        except ValueError:
            return value
    if isinstance(value, dt.date):
        return f"{value:%A} {value.day} {value:%B %Y}"
    return "" if value is None else str(value)


def iso_timestamp(value) -> str:
    """ISO-8601 text for built_at, whether given as datetime or string."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.timezone.utc)
        return value.isoformat()
    return str(value)


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def _workshop(content: dict, problems: list[str]) -> dict:
    workshop = dict(content.get("workshop") or {})
    if not _text(workshop.get("title")):
        problems.append("workshop.title is missing")
    for key in ("place", "purpose"):
        workshop[key] = _text(workshop.get(key))
    workshop["attendees"] = [_text(a) for a in workshop.get("attendees") or [] if _text(a)]
    workshop["title"] = _text(workshop.get("title"))
    workshop["date_text"] = format_date(workshop.get("date"))
    workshop["date"] = "" if workshop.get("date") is None else str(workshop["date"])
    return workshop


def _stories(content: dict, problems: list[str]) -> list[dict]:
    stories = []
    for position, story in enumerate(content.get("stories") or []):
        sid = str(story.get("id", ""))
        if not sid:
            problems.append(f"stories[{position}] has no id")
            continue
        stories.append({
            "id": sid,
            "title": _text(story.get("title")) or f"Story {sid}",
            "role": story.get("role") if story.get("role") in ROLES else "other",
            "excerpt": _text(story.get("excerpt")),
            "themes": [_text(t) for t in story.get("themes") or [] if _text(t)],
        })
    return stories


def _clip_names(clips: dict, problems: list[str]) -> set[str]:
    names = set()
    for name, path in (clips or {}).items():
        if not _SAFE_CLIP_NAME.match(name or "") or Path(name).suffix.lower() not in AUDIO_SUFFIXES:
            problems.append(f"clip name {name!r} must be a plain file name ending in an audio type")
        elif not Path(path).is_file():
            problems.append(f"clip {name!r}: file not found at {path}")
        names.add(name)
    return names


def _shares(theme: dict, label: str, problems: list[str]) -> dict:
    shares = {}
    for role in ROLES:
        share = float((theme.get("prevalence_by_role") or {}).get(role) or 0.0)
        if not 0.0 <= share <= 1.0:
            problems.append(f"theme {label!r}: share for {role} must be between 0 and 1")
        shares[role] = min(max(share, 0.0), 1.0)
    return shares


def _quotes(theme: dict, label: str, story_ids: set, clip_names: set, problems: list[str]) -> list[dict]:
    quotes = []
    for q_index, quote in enumerate(theme.get("quotes") or []):
        sid = str(quote.get("story_id", ""))
        if sid not in story_ids:
            problems.append(f"theme {label!r} quote {q_index + 1}: story {sid!r} is not in stories")
        clip = quote.get("clip") or None
        if clip is not None and clip not in clip_names:
            problems.append(f"theme {label!r} quote {q_index + 1}: clip {clip!r} was not supplied")
        speaker = _text(quote.get("speaker"))
        quotes.append({"passage_id": quote.get("passage_id"), "story_id": sid, "text": _text(quote.get("text")),
                       "clip": clip, "speaker": speaker if _SPEAKER.match(speaker) else None})
    return quotes


def _reel(theme: dict, label: str, reel_names: set, problems: list[str]) -> dict | None:
    """The theme's reel ({audio, captions, video} file names under reels/), or None when it has none."""
    reel = theme.get("reel")
    if not reel:
        return None
    out = {}
    for kind, suffix in REEL_KINDS.items():
        name = str(reel.get(kind) or "")
        if not _SAFE_CLIP_NAME.match(name) or not name.endswith(suffix) or name not in reel_names:
            problems.append(f"theme {label!r}: reel {kind} {name!r} was not supplied")
        out[kind] = name
    return out


def _themes(content: dict, story_ids: set, clip_names: set, problems: list[str],
            reel_names: set = frozenset()) -> list[dict]:
    themes = []
    for t_index, theme in enumerate(content.get("themes") or []):
        label = _text(theme.get("label")) or f"Theme {t_index + 1}"
        themes.append({
            "id": theme.get("id"),
            "number": t_index + 1,
            "label": label,
            "description": _text(theme.get("description")),
            "story_count": int(theme.get("story_count") or 0),
            "passage_count": int(theme.get("passage_count") or 0),
            "prevalence_by_role": _shares(theme, label, problems),
            "prompts": [_text(p) for p in theme.get("prompts") or [] if _text(p)],
            "quotes": _quotes(theme, label, story_ids, clip_names, problems),
            "reel": _reel(theme, label, reel_names, problems),
            "colour": theme_colour(t_index),
        })
    if not themes:
        problems.append("the pack has no themes")
    return themes


def normalise_content(content: dict, clips: dict, required_scope: str | None = None,
                      reels: dict | None = None) -> dict:
    """Check the content dict and clips; return a tidy copy the renderers can trust.

    Raises PackContentError listing every problem (not just the first), so the
    Flask side can show a facilitator all that needs fixing at once.
    """
    problems: list[str] = []
    workshop = _workshop(content, problems)
    consent = {str(k): list(v or []) for k, v in (content.get("consent_state") or {}).items()}
    stories = _stories(content, problems)
    story_ids = {story["id"] for story in stories}
    themes = _themes(content, story_ids, _clip_names(clips, problems), problems, set(reels or {}))
    # A story without recorded consent must never leave the building in a pack.
    for sid in sorted(story_ids):
        scopes = consent.get(sid)
        if not scopes:
            problems.append(f"story {sid!r} has no consent recorded")
        elif required_scope and required_scope not in scopes:
            problems.append(f"story {sid!r} has no consent for {required_scope!r}")
    if problems:
        raise PackContentError(problems)
    return {
        "workshop": workshop,
        "themes": themes,
        "stories": stories,
        "consent_state": {sid: consent[sid] for sid in sorted(story_ids)},
        "built_at": iso_timestamp(content.get("built_at") or dt.datetime.now(dt.timezone.utc)),
    }


def story_lookup(content: dict) -> dict:
    """Stories by id, for attributing quotes."""
    return {story["id"]: story for story in content["stories"]}


def agenda(content: dict) -> list[tuple[str, str, str]]:
    """A plain agenda (step, what we do, minutes) sized to the number of themes."""
    themes = content["themes"]
    rows = [("1", "Welcome, who is here, how we keep stories safe", "10 min")]
    minutes_each = 15 if len(themes) <= 4 else 10
    for theme in themes:
        rows.append((str(len(rows) + 1), f"Theme {theme['number']}: {theme['label']} - listen and talk",
                     f"{minutes_each} min"))
    rows.append((str(len(rows) + 1), "Break", "10 min"))
    rows.append((str(len(rows) + 1), "Decide what will change, who does it and by when", "30 min"))
    rows.append((str(len(rows) + 1), "Check the decisions sheet together and close", "10 min"))
    return rows
