"""Test data for workshops: a theme run with themes and passages, stories with consent and (some) audio."""
from __future__ import annotations

import io
from datetime import date, timedelta

from extensions import db
from stories.models import ConsentRecord, ConsentScope, Segment, Story
from tests import factories
from tests.factories import tone_wav
from themes.models import Passage, Theme, ThemeRun

THEMES = [
    ("Getting to appointments", "Travel, bus fares and times that clash with work."),
    ("A safe place to live", "Losing a room, hostels, and housing help."),
    ("Seeing the same worker", "Keeping one case manager and not retelling your story."),
]
ROLES = ["service_user", "staff", "peer_mentor", "service_user", "service_user", "staff"]


def audio_story(reporter, *, title, role="service_user", sentences, scopes=("analysis", "workshop", "quote", "manager_view"),
                wav: bytes | None = None):
    """A story with stored (encrypted) audio and timed segments, 3 s per sentence."""
    from stories.media import store_upload

    media = store_upload(io.BytesIO(wav or tone_wav(3.0 * len(sentences) + 1)), "story.wav", max_bytes=10**8)
    story = Story(title=title, reporter_id=reporter.id, storyteller_role=role, status="ready", source_kind="audio",
                  media=media, duration_s=3.0 * len(sentences) + 1)
    consent = ConsentRecord(method="signed_form", recorded_by_id=reporter.id)
    consent.scope_rows = [ConsentScope(scope=s) for s in scopes]
    story.consents.append(consent)
    for i, text in enumerate(sentences):
        story.segments.append(Segment(position=i, start=3.0 * i, end=3.0 * i + 2.8, text=text))
    db.session.add(story)
    db.session.commit()
    return story


def withdraw(story) -> None:
    """The storyteller withdraws consent (as the stories domain records it)."""
    from core.timeutil import utcnow

    story.current_consent.withdrawn_at = utcnow()
    db.session.commit()


def build_world(*, audio: int = 2, text_stories: int = 4, reporter=None) -> dict:
    """Stories (some with audio), a finished theme run with 3 themes, passages and pinned key quotes.

    Returns ids only (safe to use across app contexts).
    """
    reporter = reporter or factories.make_user("reporter", email=f"rep{ThemeRun.query.count()}-{date.today()}@example.org")
    stories = []
    for n in range(audio):
        sentences = [f"The bus to the office costs me four pounds {n}.", f"My worker changed three times this year {n}.",
                     f"I lost my room at the hostel in March {n}."]
        stories.append(audio_story(reporter, title=f"Audio story {n + 1}", role=ROLES[n % len(ROLES)], sentences=sentences))
    for n in range(text_stories):
        text = (f"I had to choose between food and the fare {n}. Nobody told me about travel help {n}. "
                f"The housing officer never called back {n}.")
        stories.append(factories.make_story(reporter, title=f"Typed story {n + 1}", role=ROLES[(n + audio) % len(ROLES)],
                                            text=text))
    run = ThemeRun(status="done", story_ids=[s.id for s in stories], model="test")
    db.session.add(run)
    db.session.flush()
    themes = []
    for position, (label, description) in enumerate(THEMES):
        theme = Theme(run_id=run.id, label=label, description=description, position=position, keywords=[])
        db.session.add(theme)
        themes.append(theme)
    outlier = Theme(run_id=run.id, label="Outliers", position=9, is_outlier=True)
    db.session.add(outlier)
    db.session.flush()
    for story in stories:
        if story.source_kind == "audio":
            pieces = [(s.text, s.start, s.end) for s in story.segments]
        else:
            pieces = [(p.strip() + ".", None, None) for p in story.transcript_text.split(".") if p.strip()]
        for i, (text, start, end) in enumerate(pieces):
            theme = themes[0] if ("bus" in text or "fare" in text or "travel" in text) else (
                themes[2] if "worker" in text else themes[1])
            db.session.add(Passage(run_id=run.id, story_id=story.id, position=i, start=start, end=end, text=text,
                                   text_hash=f"{story.id}-{i}", theme_id=theme.id, machine_theme_id=theme.id,
                                   pinned=(story.source_kind == "audio" or i == 0), representativeness=0.5))
    db.session.commit()
    return {"run_id": run.id, "theme_ids": [t.id for t in themes], "story_ids": [s.id for s in stories],
            "audio_story_ids": [s.id for s in stories if s.source_kind == "audio"], "reporter_id": reporter.id,
            "quotes": {s.id: quotes_of(s.id) for s in stories}}


def workshop_data(world: dict, **overrides) -> dict:
    data = {"title": "Getting here and staying housed", "date": date.today() + timedelta(days=7),
            "place": "Hope Street, room 2", "purpose": "Hear the stories and agree what we change.",
            "attendees": ["Sam (peer mentor)", "Two case managers"], "theme_run_id": world["run_id"],
            "theme_ids": world["theme_ids"], "story_ids": world["story_ids"], "prompts": {}}
    data.update(overrides)
    return data


def quotes_of(story_id: int) -> list[int]:
    return [p.id for p in Passage.query.filter_by(story_id=story_id).order_by(Passage.position)]


def time_words(story) -> None:
    """Give each segment of `story` word timings (spread evenly over it), so quotes can be cut from its words."""
    for segment in story.segments:
        if segment.start is None or segment.end is None:
            continue
        words = segment.text.split()
        step = (segment.end - segment.start) / max(len(words), 1)
        segment.words = [{"start": round(segment.start + n * step, 3), "end": round(segment.start + (n + 1) * step - 0.01, 3),
                          "text": " " + w, "probability": 0.9} for n, w in enumerate(words)]
    db.session.commit()
