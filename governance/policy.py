"""The rules other domains ask before they show or use a story.

Themes, workshops and managers' views never query stories directly for
analysis, quotes or display: they go through these functions, so consent,
safeguarding holds and redaction are enforced in one place and in the query.

Held stories: a story whose automatic check is still running or failed, whose
safeguarding flags wait for the lead's decision, or which the lead restricted,
is in no analysis, workshop, quote or manager's view. (A story with no
governance row at all has never been through transcription, e.g. test data.)

English only: a story in another language whose hidden details no person has checked yet
(scan state "person", governance/languages.py) is in use like any other, but others meet only
its redacted English version (`Story.english_segments`): its words as spoken show nowhere
outside its own page, and it is never quoted, played, exported or made public.
"""
from __future__ import annotations

from sqlalchemy import and_, false, or_, select, true

from extensions import db
from governance.models import StoryGovernance
from stories.models import Story, stories_with_scope

# What a story looks like outside its page (redacted words, titles, passages, clips) is worked out in
# governance/policy_text.py; its names are part of this module's public face.
from governance.policy_text import (  # noqa: E402,F401  (re-exported)
    CLIP_MAX_AGE_SECONDS, CLIP_SALT, HIDING_STATES, STALE_FIELD, _clip_serializer, applied_spans, clip_url, is_quotable,
    prefetch_governance, prefetch_redactions, reading_once, request_prefetch,
    prefetch_story_texts, prefetch_story_titles, read_clip_token, redacted_clip_file, redacted_notes, redacted_passage_text,
    redacted_segments, redacted_text, redacted_title, redacted_title_of, segment_offsets)

HELD_SAFEGUARDING_STATES = ("awaiting", "restricted")
HELD_SCAN_STATES = ("pending", "failed")
ENGLISH_ONLY_SCAN_STATES = ("person",)  # another language, not checked by a person yet (governance/languages.py)
# Scopes whose uses print or play the words as spoken (quotes, clips, exports, public pages).
SPOKEN_WORD_SCOPES = ("quote", "public")


def held_story_ids():
    """select() of ids of stories kept out of every use until a person (or the check) clears them."""
    return select(StoryGovernance.story_id).where(
        or_(
            StoryGovernance.safeguarding_state.in_(HELD_SAFEGUARDING_STATES),
            StoryGovernance.scan_state.in_(HELD_SCAN_STATES),
        )
    )


def english_only_story_ids():
    """select() of ids of stories others may meet only in their redacted English version."""
    return select(StoryGovernance.story_id).where(StoryGovernance.scan_state.in_(ENGLISH_ONLY_SCAN_STATES))


def english_only(story: Story) -> bool:
    """True while others may meet `story` only in its redacted English version (read once per GET request)."""
    from governance.freshness import governance_row

    state = governance_row(story.id)
    return state is not None and state.scan_state in ENGLISH_ONLY_SCAN_STATES


def shown_english(user, story: Story) -> list[dict]:
    """The English version of a story told in another language, as `user` may read it: [{start, end, text}].

    It was redacted when it was made (stories/tasks.py), so everyone who may read the story reads the same."""
    if not story.english_segments or not may(user, story, "read"):
        return []
    return [{"start": s.get("start"), "end": s.get("end"), "text": s.get("text", "")} for s in story.english_segments]


def prefetch_holds(story_ids) -> None:
    """Read the governance state of many stories in one query, for hold_label on a list page."""
    prefetch_governance(story_ids)


def hold_label(story: Story) -> str | None:
    """Why a story is kept out of use right now, in plain words; None when it is not held."""
    from flask import g, has_app_context

    from governance.models import SAFEGUARDING_STATES, SCAN_STATES

    from governance.freshness import governance_row

    prefetched = g.get("prefetched_governance", {}) if has_app_context() else {}
    state = prefetched[story.id] if story.id in prefetched else governance_row(story.id)
    if state is None:
        return None
    if state.safeguarding_state in HELD_SAFEGUARDING_STATES:
        return SAFEGUARDING_STATES[state.safeguarding_state]
    if state.scan_state in (*HELD_SCAN_STATES, *ENGLISH_ONLY_SCAN_STATES):
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
    """Condition: `scope` in force and the story is not held, restricted or being checked (nor, for a use of
    the words as spoken, waiting for a person to check them)."""
    condition = and_(Story.id.in_(stories_with_scope(scope)), Story.id.not_in(held_story_ids()))
    if scope in SPOKEN_WORD_SCOPES:
        condition = and_(condition, Story.id.not_in(english_only_story_ids()))
    return condition


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
    if purpose not in USE_SCOPES and sees_unredacted(user, story):
        return True  # what _conditions says for them (their own story, or true()), without asking the database
    return db.session.scalar(story_ids(user, purpose).where(Story.id == story.id)) is not None


def sees_unredacted(user, story: Story) -> bool:
    """The story's reporter, admins and the safeguarding lead see its words and hear its audio as recorded."""
    if not _signed_in(user):
        return False
    return story.reporter_id == user.id or user.has_role(*UNREDACTED_ROLES)


def sees_file_name(user, story: Story) -> bool:
    """Original file names (often a person's name) stay with the story's reporter and admins."""
    return _signed_in(user) and (story.reporter_id == user.id or user.has_role("admin"))


def shown_title(user, story: Story) -> str:
    return story.title if sees_unredacted(user, story) else redacted_title(story)


def shown_notes(user, story: Story) -> str:
    return story.notes if sees_unredacted(user, story) else redacted_notes(story)


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


def analysable_ids_now() -> set[int]:
    """The ids of analysable_story_ids() as a set, read once per GET request (pages ask several times)."""
    g = request_prefetch()
    if g is not None and "analysable_ids" in g:
        return g.analysable_ids
    ids = set(db.session.scalars(analysable_story_ids()))
    if g is not None:
        g.analysable_ids = ids
    return ids


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


def _not_held_clause(story_id_col, scan_states=HELD_SCAN_STATES):
    from sqlalchemy import exists

    return ~exists().where(
        StoryGovernance.story_id == story_id_col,
        or_(StoryGovernance.safeguarding_state.in_(HELD_SAFEGUARDING_STATES),
            StoryGovernance.scan_state.in_(scan_states)))


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

    return and_(_consented_clause("quote", story_id_col),
                _not_held_clause(story_id_col, (*HELD_SCAN_STATES, *ENGLISH_ONLY_SCAN_STATES)))


def manager_readable_clause(story_id_col):
    """Per-row form of manager_readable_story_ids()."""
    from sqlalchemy import and_

    return and_(_consented_clause("manager_view", story_id_col), _not_held_clause(story_id_col))
