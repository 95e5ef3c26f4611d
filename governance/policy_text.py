"""How a story's words, title and audio are shown outside its own page (part of the one policy).

`governance.policy` decides who may see a story; this module works out what
they see: the transcript with its hiding redactions applied (none of it when
the words changed since they were checked), redacted titles and notes, a
theme passage's words as they may be shown now, and signed short-lived clip
URLs. `governance.policy` re-exports every public name here, so callers keep
importing from there.
"""
from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar

from flask import current_app, has_request_context, url_for
from sqlalchemy import select

from extensions import db
from governance.models import Redaction
from stories.models import Story

CLIP_SALT = "storyloom.governance.clip"
CLIP_MAX_AGE_SECONDS = 10 * 60


HIDING_STATES = ("proposed", "accepted")


_READ_ONCE: ContextVar = ContextVar("storyloom_policy_read_once", default=None)


def request_prefetch():
    """Where rows read earlier may stand in for a query: the request's `g` in a GET request (so a request
    that changes a redaction or a check never reads a row read before the change), the store of an open
    `reading_once()` block, else None."""
    from flask import g, request

    store = _READ_ONCE.get()
    if store is not None:
        return store
    return g if has_request_context() and request.method == "GET" else None


@contextmanager
def reading_once():
    """A block that reads many stories once and changes none of them (a theme run choosing its passages):
    prefetched rows stand in for queries inside it, as in a GET request."""
    from flask.ctx import _AppCtxGlobals

    token = _READ_ONCE.set(_AppCtxGlobals())
    try:
        yield
    finally:
        _READ_ONCE.reset(token)


def prefetch_story_texts(story_ids) -> None:
    """Load many stories with their segments, hiding redactions (words, title, notes) and check state in
    four queries, for a page that shows passages or titles of many stories (theme board, theme page)."""
    from sqlalchemy.orm import selectinload

    g = request_prefetch()
    if g is None:
        return
    known = g.get("prefetched_texts", set())
    ids = sorted({int(i) for i in story_ids} - known)
    if not ids:
        return
    held = {s.id: s for s in g.get("prefetched_stories", []) if "segments" not in s.__dict__}
    if held:  # rows read for their titles (prefetch_story_titles): only their segments are missing
        _load_segments([held[i] for i in ids if i in held])
    wanted = [i for i in ids if i not in held]
    stories = db.session.scalars(select(Story).where(Story.id.in_(wanted))
                                 .options(selectinload(Story.segments))).all() if wanted else []
    # Held for the request: the session's identity map only keeps rows someone still refers to.
    g.prefetched_stories = [*g.get("prefetched_stories", []), *stories]
    g.prefetched_texts = known | set(ids)
    prefetch_redactions(ids)
    prefetch_governance(set(ids) - set(g.get("prefetched_governance", {})))


def _load_segments(stories: list) -> None:
    """Each story's segments in one query, set as its loaded `segments` (as selectinload would)."""
    from sqlalchemy.orm.attributes import set_committed_value

    from stories.models import Segment

    if not stories:
        return
    found: dict[int, list] = {s.id: [] for s in stories}
    for segment in db.session.scalars(select(Segment).where(Segment.story_id.in_(list(found)))
                                      .order_by(Segment.story_id, Segment.position)):
        found[segment.story_id].append(segment)
    for story in stories:
        set_committed_value(story, "segments", found[story.id])


def prefetch_story_titles(story_ids) -> list:
    """The Story rows of many stories, and their redactions and check state, for a page that lists their
    titles only (a theme's stories): no segments are read or opened. Returns the rows (in no order)."""
    g = request_prefetch()
    ids = sorted({int(i) for i in story_ids})
    if not ids:
        return []
    held = {s.id: s for s in g.get("prefetched_stories", [])} if g is not None else {}
    wanted = [i for i in ids if i not in held]
    stories = list(db.session.scalars(select(Story).where(Story.id.in_(wanted)))) if wanted else []
    if g is not None:
        g.prefetched_stories = [*g.get("prefetched_stories", []), *stories]
        prefetch_redactions(ids)
    return [*(held[i] for i in ids if i in held), *stories]


def prefetch_redactions(story_ids) -> None:
    """Read the redactions (words, title, notes; every state) of many stories in one query, for the rest of a GET
    request: what hides words and what the story page's review panel lists."""
    g = request_prefetch()
    if g is None:
        return
    known = g.get("prefetched_redactions", {})
    ids = sorted({int(i) for i in story_ids} - set(known))
    if not ids:
        return
    found: dict[int, dict[str, list]] = {i: {"transcript": [], "title": [], "notes": []} for i in ids}
    for row in db.session.scalars(select(Redaction).where(Redaction.story_id.in_(ids))
                                  .order_by(Redaction.start_char, Redaction.id)):
        found[row.story_id].setdefault(row.field, []).append(row)
    g.prefetched_redactions = {**known, **found}


def prefetch_governance(story_ids) -> None:
    """Read the governance state (checks, safeguarding) of many stories in one query, for the rest of the
    request (hold labels, whether redaction ranges are current)."""
    from flask import g as app_g

    from governance.models import StoryGovernance

    # Where governance_row looks: the request's g, or the store of an open reading_once() block.
    g = request_prefetch() or app_g
    ids = [int(i) for i in story_ids]
    rows = db.session.scalars(select(StoryGovernance).where(StoryGovernance.story_id.in_(ids))).all() if ids else []
    g.prefetched_governance = {**g.get("prefetched_governance", {}), **{i: None for i in ids},
                               **{row.story_id: row for row in rows}}


def prefetched_redactions(story_id: int, field: str | None) -> list | None:
    """The story's redactions in `field` (None: every field) read earlier in this GET request, or None."""
    g = request_prefetch()
    prefetched = g.get("prefetched_redactions", {}) if g is not None else {}
    if story_id not in prefetched:
        return None
    fields = prefetched[story_id]
    rows = fields.get(field, []) if field is not None else [r for rows in fields.values() for r in rows]
    return sorted(rows, key=lambda r: (r.start_char, r.id))


def _hiding_redactions(story_id: int, field: str) -> list:
    rows = prefetched_redactions(story_id, field)
    if rows is not None:
        return [r for r in rows if r.state in HIDING_STATES]
    return db.session.scalars(
        select(Redaction).where(Redaction.story_id == story_id, Redaction.field == field,
                                Redaction.state.in_(HIDING_STATES))
    ).all()


def applied_spans(story: Story, field: str = "transcript") -> list:
    """The spans hidden outside the story's page: accepted ones and (until decided) proposed ones."""
    from engines.redaction.spans import Span, merge_spans

    rows = _hiding_redactions(story.id, field)
    spans = [Span(r.start_char, r.end_char, r.kind, r.text, r.source) for r in rows if r.end_char > r.start_char]
    return merge_spans(spans)


def segment_offsets(story: Story) -> list[tuple[object, int, int]]:
    """(segment, start_char, end_char) of each non-empty segment inside `Story.transcript_text`."""
    placed, offset = [], 0
    for segment in story.segments:
        stripped = segment.text.strip()
        if not stripped:
            continue
        placed.append((segment, offset, offset + len(stripped)))
        offset += len(stripped) + 1
    return placed


def redacted_segments(story: Story) -> list[dict]:
    """The story's segments as shown outside its own page: {start, end, text, speaker}, one per segment.

    A span that crosses a segment boundary is cut at the boundary and each part
    replaced by the tag, so no part of it shows in either segment.
    """
    from engines.redaction.spans import Span, apply_redactions
    from governance.freshness import ranges_are_current

    if not ranges_are_current(story):  # the ranges belong to words since changed: show none
        return [{"start": s.start, "end": s.end, "text": "", "speaker": s.speaker} for s in story.segments]
    spans = applied_spans(story)
    placed = {id(segment): (start, end) for segment, start, end in segment_offsets(story)}
    out = []
    for segment in story.segments:
        text = ""
        if id(segment) in placed:
            seg_start, seg_end = placed[id(segment)]
            local = [
                Span(max(s.start_char, seg_start) - seg_start, min(s.end_char, seg_end) - seg_start, s.kind, "", s.source)
                for s in spans
                if s.start_char < seg_end and s.end_char > seg_start
            ]
            text = apply_redactions(segment.text.strip(), local)
        out.append({"start": segment.start, "end": segment.end, "text": text, "speaker": segment.speaker})
    return out


STALE_FIELD = "[hidden until it is checked again]"


def _redacted_field(story_id: int, field: str, text: str) -> str:
    """`text` with its redactions applied; if it changed since it was checked, none of it (when in doubt, hide)."""
    from engines.redaction.spans import Span, apply_redactions

    rows = _hiding_redactions(story_id, field)
    if any(text[r.start_char:r.end_char] != r.text for r in rows):
        return STALE_FIELD
    spans = [Span(r.start_char, r.end_char, r.kind, r.text, r.source) for r in rows if r.end_char > r.start_char]
    return apply_redactions(text, spans) if spans else text


def redacted_title(story: Story) -> str:
    """The title as shown outside its reporter's, admins' and the safeguarding lead's views."""
    return _redacted_field(story.id, "title", story.title or "")


def redacted_title_of(story_id: int, title: str) -> str:
    """`redacted_title` for a query row that carries only the story's id and title."""
    return _redacted_field(story_id, "title", title or "")


def redacted_notes(story: Story) -> str:
    return _redacted_field(story.id, "notes", story.notes or "")


def redacted_text(story: Story) -> str:
    return "\n".join(s["text"].strip() for s in redacted_segments(story) if s["text"].strip())


def _joined(segments) -> str:
    return " ".join(" ".join(s["text"].strip() for s in segments if s.get("text", "").strip()).split())


def redacted_passage_text(passage, cache: dict | None = None) -> str | None:
    """A theme passage's words as they may be shown now: its text if still inside the current
    redacted transcript, else rebuilt from the redacted segments its times cover, else None.
    (A passage cut before a later redaction decision never shows the newly hidden words; a passage of
    a story told in another language may also be words of its redacted English version.)

    `cache` (a dict the caller keeps for one page) holds each story's redacted text, so a page
    of many passages works each story out once.
    """
    story = passage.story
    if story is None:
        return None
    if cache is not None and story.id in cache:
        joined, segments = cache[story.id]
    else:
        segments = redacted_segments(story)
        joined = _joined(segments)
        if cache is not None:
            cache[story.id] = (joined, segments)
    text = " ".join((passage.text or "").split())
    # A story told in another language is cut into passages from its English version (redacted when made).
    if text and (text in joined or (story.english_segments and text in _joined(story.english_segments))):
        return text
    if passage.start is not None and passage.end is not None:
        parts = [s["text"].strip() for s in segments
                 if s["start"] is not None and s["end"] is not None and s["end"] > passage.start
                 and s["start"] < passage.end and s["text"].strip()]
        if parts:
            return " ".join(parts)
    return None


def is_quotable(story: Story) -> bool:
    from governance.policy import quotable_story_ids

    return db.session.scalar(quotable_story_ids().where(Story.id == story.id)) is not None


def _clip_serializer():
    from itsdangerous import URLSafeTimedSerializer

    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=CLIP_SALT)


def clip_url(story: Story, start: float | None, end: float | None, *, known_quotable: bool = False) -> str | None:
    """A signed, short-lived URL of the redacted audio of [start, end], or None if there is no audio or no `quote`
    consent (`known_quotable`: the caller read the story's id from quotable_story_ids() in this request)."""
    if story is None or story.media_id is None or start is None or end is None or end <= start:
        return None
    if not known_quotable and not is_quotable(story):
        return None
    token = _clip_serializer().dumps({"s": story.id, "a": round(float(start), 3), "b": round(float(end), 3)})
    if has_request_context():
        return url_for("governance.clip", token=token)
    return f"/clips/{token}.mp3"


def read_clip_token(token: str) -> dict | None:
    """The {s, a, b} a clip token carries, or None if it is forged or older than CLIP_MAX_AGE_SECONDS."""
    from itsdangerous import BadSignature

    try:
        data = _clip_serializer().loads(token, max_age=CLIP_MAX_AGE_SECONDS)
    except BadSignature:  # includes SignatureExpired
        return None
    if not isinstance(data, dict) or not {"s", "a", "b"} <= set(data):
        return None
    return data


def redacted_clip_file(story: Story, start: float, end: float):
    """Path of the redacted clip of [start, end] (a tone over every redacted word), built once and cached."""
    from governance.clips import redacted_clip_file as build

    return build(story, start, end)
