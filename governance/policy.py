"""The rules other domains ask before they show or use a story.

Themes, workshops and managers' views never query stories directly for
analysis, quotes or display: they go through these functions, so consent,
safeguarding holds and redaction are enforced in one place and in the query.

Held stories: a story whose automatic check is still running or failed, whose
safeguarding flags wait for the lead's decision, or which the lead restricted,
is in no analysis, workshop, quote or manager's view. (A story with no
governance row at all has never been through transcription, e.g. test data.)
"""
from __future__ import annotations

from flask import current_app, has_request_context, url_for
from sqlalchemy import and_, false, or_, select, true

from extensions import db
from governance.models import Redaction, StoryGovernance
from stories.models import Story, stories_with_scope

CLIP_SALT = "storyloom.governance.clip"
CLIP_MAX_AGE_SECONDS = 10 * 60
HELD_SAFEGUARDING_STATES = ("awaiting", "restricted")
HELD_SCAN_STATES = ("pending", "failed", "person")  # "person": another language (governance/languages.py)


def held_story_ids():
    """select() of ids of stories kept out of every use until a person (or the check) clears them."""
    return select(StoryGovernance.story_id).where(
        or_(
            StoryGovernance.safeguarding_state.in_(HELD_SAFEGUARDING_STATES),
            StoryGovernance.scan_state.in_(HELD_SCAN_STATES),
        )
    )


def prefetch_holds(story_ids) -> None:
    """Read the governance state of many stories in one query, for hold_label on a list page."""
    from flask import g

    ids = [int(i) for i in story_ids]
    rows = db.session.scalars(select(StoryGovernance).where(StoryGovernance.story_id.in_(ids))).all() if ids else []
    g.prefetched_governance = {**g.get("prefetched_governance", {}), **{i: None for i in ids},
                               **{row.story_id: row for row in rows}}


def hold_label(story: Story) -> str | None:
    """Why a story is kept out of use right now, in plain words; None when it is not held."""
    from flask import g, has_app_context

    from governance.models import SAFEGUARDING_STATES, SCAN_STATES

    prefetched = g.get("prefetched_governance", {}) if has_app_context() else {}
    state = prefetched[story.id] if story.id in prefetched else db.session.get(StoryGovernance, story.id)
    if state is None:
        return None
    if state.safeguarding_state in HELD_SAFEGUARDING_STATES:
        return SAFEGUARDING_STATES[state.safeguarding_state]
    if state.scan_state in HELD_SCAN_STATES:
        return SCAN_STATES[state.scan_state]
    return None


# --- who may do what with a story: one table, deny by default ----------------------------------

# Purposes a person (or a job) can have for a story.
PURPOSES = {
    "list": "see that it exists: its title (redacted), storyteller role and state",
    "read": "read its words (redacted, unless the person sees it unredacted)",
    "hear": "hear its audio (the original only for those who see it unredacted, else a redacted clip)",
    "analyse": "put its words into a theme run",
    "cite": "choose it for a workshop or cite it in a design action (title, role, themes)",
    "quote": "print or play its words outside its own page: boards, packs, present mode, actions, clips",
    "export": "let its words leave the site in a file (pack, viewer, REFI-QDA, CSV)",
}
# What the storyteller must have agreed to (consent in force, not withdrawn or expired) for each use.
USE_SCOPES = {"analyse": "analysis", "cite": "workshop", "quote": "quote", "export": "quote"}
# Facilitators help review stories that are in use; managers read only what they were allowed to.
FACILITATOR_PAGE_SCOPES = ("analysis", "workshop")
MANAGER_SCOPE = "manager_view"
UNREDACTED_ROLES = ("admin", "safeguarding_lead")


def _signed_in(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and getattr(user, "id", None) is not None


def _in_use(scope: str):
    """Condition: `scope` in force and the story is not held, restricted or being checked."""
    return and_(Story.id.in_(stories_with_scope(scope)), Story.id.not_in(held_story_ids()))


def _conditions(user, purpose: str) -> list:
    """The ways `user` may have `purpose` for a story, as SQL conditions (none: denied)."""
    if purpose not in PURPOSES:
        raise ValueError(f"unknown purpose {purpose!r}")
    manager_only = _signed_in(user) and user.has_role("manager") and not user.has_role(
        "facilitator", "admin", "reporter", "safeguarding_lead")
    if purpose in USE_SCOPES:
        condition = _in_use(USE_SCOPES[purpose])
        if manager_only and purpose in ("quote", "export"):
            condition = and_(condition, _in_use(MANAGER_SCOPE))
        return [condition]
    if not _signed_in(user):
        return []
    if user.has_role(*UNREDACTED_ROLES):
        return [true()]
    conditions = [Story.reporter_id == user.id]
    if user.has_role("facilitator"):
        scopes = ("quote",) if purpose == "hear" else FACILITATOR_PAGE_SCOPES
        conditions += [_in_use(scope) for scope in scopes]
    if user.has_role("manager"):
        condition = _in_use(MANAGER_SCOPE)
        conditions.append(and_(condition, _in_use("quote")) if purpose == "hear" else condition)
    return conditions


def story_ids(user, purpose: str):
    """select() of the ids of stories `user` may have `purpose` for (user None: a job, for a use)."""
    conditions = _conditions(user, purpose)
    return select(Story.id).where(or_(*conditions) if conditions else false())


def may(user, story: Story | None, purpose: str) -> bool:
    """True when `user` may have `purpose` for `story` (the same rule as `story_ids`, for one story)."""
    if story is None or story.id is None:
        return False
    return db.session.scalar(story_ids(user, purpose).where(Story.id == story.id)) is not None


def sees_unredacted(user, story: Story) -> bool:
    """The story's reporter, admins and the safeguarding lead see its words and hear its audio as recorded."""
    if not _signed_in(user):
        return False
    return story.reporter_id == user.id or user.has_role(*UNREDACTED_ROLES)


def sees_file_name(user, story: Story) -> bool:
    """Original file names (often a person's name) stay with the story's reporter and admins."""
    return _signed_in(user) and (story.reporter_id == user.id or user.has_role("admin"))


def may_decide_suggestions(user, story: Story) -> bool:
    """Undecided suggestions are read and decided only by those who see the story unredacted."""
    return sees_unredacted(user, story)


def may_hide_words(user, story: Story, words: str) -> bool:
    """Those who see it unredacted hide anything; a facilitator who may read it hides only words they can
    read in its redacted text (searching the unredacted text would tell them what it holds)."""
    if sees_unredacted(user, story):
        return True
    if not (_signed_in(user) and user.has_role("facilitator") and may(user, story, "read")):
        return False
    needle = " ".join((words or "").split()).lower()
    return bool(needle) and needle in " ".join(redacted_text(story).split()).lower()


def may_withdraw(user, story: Story) -> bool:
    """The story's reporter or an admin, while consent is in force."""
    return _signed_in(user) and (story.reporter_id == user.id or user.has_role("admin")) \
        and bool(story.consent_scopes())


def may_edit_transcript(user, story: Story) -> bool:
    """The story's reporter and admins edit its words (others never see them unredacted)."""
    return _signed_in(user) and (story.reporter_id == user.id or user.has_role("admin"))


def may_change_action_status(user) -> bool:
    """Facilitators and admins move a design action on; nobody without a role does."""
    return _signed_in(user) and user.has_role("facilitator", "admin")


def analysable_story_ids():
    """select() of ids of stories that may enter a theme run: reviewed, with `analysis` consent in force,
    not held for safeguarding."""
    return story_ids(None, "analyse").where(Story.status == "ready")


def workshop_story_ids():
    """select() of ids of stories that may be chosen for a workshop or pack (title, role, themes)."""
    return story_ids(None, "cite")


def quotable_story_ids(user=None):
    """select() of ids of stories whose words may be shown as a quote or played as a clip (to `user`)."""
    return story_ids(user, "quote")


def manager_readable_story_ids():
    """select() of ids of stories whose text managers may read (others: counts only)."""
    return select(Story.id).where(_in_use(MANAGER_SCOPE))


def public_story_ids():
    """select() of ids of stories whose (redacted) words may appear on a public page: `public` consent, not held."""
    return select(Story.id).where(_in_use("public"))


def prefetch_story_texts(story_ids) -> None:
    """Load many stories with their segments and hiding transcript redactions in three queries, for a page
    that shows passages of many stories (theme board, theme page). Only for GET requests, so a
    request that changes a redaction never reads a list read before the change."""
    from flask import g, request
    from sqlalchemy.orm import selectinload

    if not has_request_context() or request.method != "GET":
        return
    known = g.get("prefetched_redactions", {})
    ids = sorted({int(i) for i in story_ids} - set(known))
    if not ids:
        return
    stories = db.session.scalars(select(Story).where(Story.id.in_(ids)).options(selectinload(Story.segments))).all()
    # Held for the request: the session's identity map only keeps rows someone still refers to.
    g.prefetched_stories = [*g.get("prefetched_stories", []), *stories]
    found: dict[int, list] = {i: [] for i in ids}
    for row in db.session.scalars(select(Redaction).where(Redaction.story_id.in_(ids), Redaction.field == "transcript",
                                                          Redaction.state.in_(("proposed", "accepted")))):
        found[row.story_id].append(row)
    g.prefetched_redactions = {**g.get("prefetched_redactions", {}), **found}


def _hiding_redactions(story: Story, field: str) -> list:
    from flask import g, has_app_context

    prefetched = g.get("prefetched_redactions", {}) if has_app_context() and field == "transcript" else {}
    if story.id in prefetched:
        return prefetched[story.id]
    return db.session.scalars(
        select(Redaction).where(Redaction.story_id == story.id, Redaction.field == field,
                                Redaction.state.in_(("proposed", "accepted")))
    ).all()


def applied_spans(story: Story, field: str = "transcript") -> list:
    """The spans hidden outside the story's page: accepted ones and (until decided) proposed ones."""
    from engines.redaction.spans import Span, merge_spans

    rows = _hiding_redactions(story, field)
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

    rows = db.session.scalars(select(Redaction).where(
        Redaction.story_id == story_id, Redaction.field == field, Redaction.state.in_(("proposed", "accepted")))).all()
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


def shown_title(user, story: Story) -> str:
    return story.title if sees_unredacted(user, story) else redacted_title(story)


def shown_notes(user, story: Story) -> str:
    return story.notes if sees_unredacted(user, story) else redacted_notes(story)


def redacted_text(story: Story) -> str:
    return "\n".join(s["text"].strip() for s in redacted_segments(story) if s["text"].strip())


def redacted_passage_text(passage, cache: dict | None = None) -> str | None:
    """A theme passage's words as they may be shown now: its text if still inside the current
    redacted transcript, else rebuilt from the redacted segments its times cover, else None.
    (A passage cut before a later redaction decision never shows the newly hidden words.)

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
        joined = " ".join(" ".join(s["text"].strip() for s in segments if s["text"].strip()).split())
        if cache is not None:
            cache[story.id] = (joined, segments)
    text = " ".join((passage.text or "").split())
    if text and text in joined:
        return text
    if passage.start is not None and passage.end is not None:
        parts = [s["text"].strip() for s in segments
                 if s["start"] is not None and s["end"] is not None and s["end"] > passage.start
                 and s["start"] < passage.end and s["text"].strip()]
        if parts:
            return " ".join(parts)
    return None


def is_quotable(story: Story) -> bool:
    from extensions import db

    return db.session.scalar(quotable_story_ids().where(Story.id == story.id)) is not None


def _clip_serializer():
    from itsdangerous import URLSafeTimedSerializer

    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=CLIP_SALT)


def clip_url(story: Story, start: float | None, end: float | None) -> str | None:
    """A signed, short-lived URL of the redacted audio of [start, end], or None if there is no audio or no `quote` consent."""
    if story is None or story.media_id is None or start is None or end is None or end <= start:
        return None
    if not is_quotable(story):
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


# --- the same rules, one row at a time ------------------------------------------------------
# Each *_clause(story_id_col) is true exactly when the story in `story_id_col` is in the matching
# *_story_ids() select above. They are correlated (checked per row through the indexes), so a
# query that looks at a few hundred rows of a large table -- a search -- does not build the whole
# set of usable stories first. tests/search/test_policy_clauses.py checks the two forms agree.

def _consented_clause(scope: str, story_id_col):
    from datetime import date

    from sqlalchemy import exists

    from stories.models import ConsentRecord, ConsentScope

    today = date.today()
    return exists().where(
        ConsentRecord.story_id == story_id_col, ConsentScope.consent_id == ConsentRecord.id, ConsentScope.scope == scope,
        ConsentRecord.superseded_at.is_(None), ConsentRecord.withdrawn_at.is_(None),
        (ConsentRecord.expires_on.is_(None)) | (ConsentRecord.expires_on >= today))


def _not_held_clause(story_id_col):
    from sqlalchemy import exists

    return ~exists().where(
        StoryGovernance.story_id == story_id_col,
        or_(StoryGovernance.safeguarding_state.in_(HELD_SAFEGUARDING_STATES),
            StoryGovernance.scan_state.in_(HELD_SCAN_STATES)))


def analysable_clause(story_id_col, status_col):
    """Per-row form of analysable_story_ids(); `status_col` is the row's Story.status (joined)."""
    from sqlalchemy import and_

    return and_(status_col == "ready", _consented_clause("analysis", story_id_col), _not_held_clause(story_id_col))


def workshop_clause(story_id_col):
    """Per-row form of workshop_story_ids()."""
    from sqlalchemy import and_

    return and_(_consented_clause("workshop", story_id_col), _not_held_clause(story_id_col))


def quotable_clause(story_id_col):
    """Per-row form of quotable_story_ids()."""
    from sqlalchemy import and_

    return and_(_consented_clause("quote", story_id_col), _not_held_clause(story_id_col))


def manager_readable_clause(story_id_col):
    """Per-row form of manager_readable_story_ids()."""
    from sqlalchemy import and_

    return and_(_consented_clause("manager_view", story_id_col), _not_held_clause(story_id_col))
