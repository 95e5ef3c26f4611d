"""Test data: users per role, stories with consent (typed, or with a short stored audio tone)."""
from __future__ import annotations

import functools
import io
import itertools
import wave

import numpy as np

from accounts.services import create_user
from extensions import db
from stories.models import ConsentRecord, ConsentScope, Segment, Story

PASSWORD = "a-long-test-password-7"
ALL_SCOPES = ("analysis", "workshop", "quote", "manager_view")
_counter = itertools.count(1)
_UNSET = object()


def make_user(*roles: str, email: str | None = None, name: str = "", password: str = PASSWORD):
    email = email or f"{roles[0] if roles else 'user'}{next(_counter)}@example.org"
    return create_user(email, list(roles) or ["reporter"], name=name or email.split("@")[0].title(), password=password)


@functools.lru_cache(maxsize=8)
def tone_wav(seconds: float = 12.0, rate: int = 16000) -> bytes:
    """A short mono WAV (a soft tone that changes pitch each second): enough to cut clips from."""
    n = np.arange(int(seconds * rate))
    freq = 330 + 110 * ((n // rate) % 4)
    samples = np.trunc(8000 * np.sin(2 * np.pi * freq * n / rate)).astype("<i2")
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(samples.tobytes())
    return buffer.getvalue()


def _consent(reporter, scopes, method: str) -> ConsentRecord:
    consent = ConsentRecord(method=method, recorded_by_id=reporter.id)
    consent.scope_rows = [ConsentScope(scope=s) for s in scopes]
    return consent


def make_story(reporter, *, title="A story", role="service_user", scopes=ALL_SCOPES,
               text="I waited three weeks for my first appointment.", status="ready", audio=False,
               consent=_UNSET, sentences=None, wav: bytes | None = None, **fields):
    """A committed story. `consent` (older name `scopes`) is the scopes in force; None records no consent.

    audio=True (or `sentences`) stores a tone as the story's encrypted audio, one timed segment
    of 3 s per sentence; otherwise the story is typed with one segment of `text`.
    """
    scopes = scopes if consent is _UNSET else consent
    if audio or sentences:
        sentences = sentences or [text]
        story = _audio_story(reporter, title=title, role=role, sentences=sentences, wav=wav, status=status, **fields)
    else:
        story = Story(title=title, reporter_id=reporter.id, storyteller_role=role, status=status, source_kind="text",
                      **fields)
        if text:
            story.segments.append(Segment(position=0, text=text))
    if scopes is not None:
        story.consents.append(_consent(reporter, scopes, "signed_form" if audio or sentences else "written"))
    db.session.add(story)
    db.session.commit()
    return story


def _audio_story(reporter, *, title, role, sentences, wav, status, **fields) -> Story:
    from stories.media import store_upload

    seconds = 3.0 * len(sentences) + 1
    media = store_upload(io.BytesIO(wav or tone_wav(seconds)), "story.wav", max_bytes=10**8)
    story = Story(title=title, reporter_id=reporter.id, storyteller_role=role, status=status, source_kind="audio",
                  media=media, duration_s=seconds, **fields)
    for i, sentence in enumerate(sentences):
        story.segments.append(Segment(position=i, start=3.0 * i, end=3.0 * i + 2.8, text=sentence))
    return story
