""""You said, we did": what came of one story, in plain words, to take back to the storyteller.

A one-page summary (themes, the workshops that discussed it, what was decided, what has
changed since), the same read aloud by espeak-ng (offline) as a WAV file, and the consent
text read aloud the same way at capture. Speech files are cached by the hash of their words.
"""
from __future__ import annotations

import hashlib
import secrets
import subprocess
from dataclasses import dataclass, field

from stories.models import CONSENT_SCOPES, Story

PLAIN_STATUS = {"proposed": "was suggested", "agreed": "was agreed", "in_progress": "is being done now",
                "done": "has been done", "dropped": "was dropped"}
SPEECH_RATE_WPM = 140  # a little slower than espeak's default 175: easier to follow


@dataclass
class Decision:
    title: str
    what: str
    status: str
    status_words: str
    changes: list = field(default_factory=list)  # [(date, words)]


@dataclass
class YouSaid:
    story: Story
    themes: list
    workshops: list
    decisions: list

    def spoken(self) -> str:
        """The summary as sentences for the speech engine."""
        from governance.policy import redacted_title

        parts = [f"This is about the story you told, called {redacted_title(self.story)}."]
        if self.themes:
            parts.append("Your story was about " + _and([m["label"] for m in self.themes]) + ".")
        if self.workshops:
            parts.append("It was talked about at " + _and([w.title for w in self.workshops]) + ".")
        else:
            parts.append("It has not been talked about at a workshop yet.")
        for d in self.decisions:
            parts.append(f"It was decided: {d.title}. This {d.status_words}.")
            parts += [f"On {day.strftime('%-d %B')}: {words}" for day, words in d.changes]
        if not self.decisions:
            parts.append("Nothing has been decided yet. We will tell you when it is.")
        parts.append("Thank you for telling your story.")
        return " ".join(parts)


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _actions_for(story_id: int, theme_ids: list[int]) -> list:
    from extensions import db
    from workshops.dashboard import filter_actions
    from workshops.evidence import story_outcomes

    actions = {a.id: a for a in story_outcomes(story_id)["actions"]}
    for theme_id in theme_ids:
        for action in db.session.scalars(filter_actions(theme_id=theme_id)):
            actions.setdefault(action.id, action)
    return [actions[k] for k in sorted(actions)]


def summary(story: Story) -> YouSaid:
    from themes.services import story_theme_mix
    from workshops.evidence import story_outcomes

    mix = story_theme_mix(story.id)
    decisions = []
    for action in _actions_for(story.id, [m["theme_id"] for m in mix]):
        changes = [(u.at.date(), u.comment.strip()) for u in action.updates if u.kind in ("status", "comment")
                   and u.comment.strip()][-3:]
        decisions.append(Decision(action.title, action.description, action.status,
                                  PLAIN_STATUS.get(action.status, action.status), changes))
    return YouSaid(story=story, themes=mix, workshops=story_outcomes(story.id)["workshops"], decisions=decisions)


def consent_words() -> str:
    """The consent choices read aloud at capture, in the words of the capture form."""
    lines = ["Before we record, here is what you can agree to. You can say yes or no to each one.",
             *[f"{n}. {text}." for n, text in enumerate(CONSENT_SCOPES.values(), start=1)],
             "You can change your mind at any time, and we will take your story out."]
    return " ".join(lines)


def speech_prefix(story_id: int) -> str:
    return f"speech/stories/{int(story_id)}"


def speech_wav(text: str, *, cache: bool = False, story_id: int | None = None) -> bytes:
    """`text` read by espeak-ng (British English voice) as WAV bytes, kept sealed in the media store.

    `cache`: words with no story in them (the consent text), under speech/consent/. `story_id`: a story's
    summary, under speech/stories/<id>/ (one object: new words replace the old), deleted with the story's
    clips when it is withdrawn, restricted or erased (evidence/receivers.py). Nothing is kept on local disk.
    """
    from core import sealed
    from core.storage import storage
    from stories.media import tmp_dir

    digest = hashlib.sha256(f"{SPEECH_RATE_WPM}:{text}".encode()).hexdigest()[:32]
    prefix = speech_prefix(story_id) if story_id is not None else "speech/consent" if cache else None
    store = storage()
    object_key = f"{prefix}/{digest}.wav.sealed" if prefix else None
    if object_key and store.exists(object_key):
        return b"".join(sealed.iter_sealed(store, object_key))
    result = subprocess.run(["espeak-ng", "-v", "en-gb", "-s", str(SPEECH_RATE_WPM), "--stdout"],
                            input=text.encode(), check=True, capture_output=True, timeout=120)
    if object_key:
        if story_id is not None:
            store.delete_prefix(prefix)  # the summary said something else before
        plain = tmp_dir() / f"speech-{digest}-{secrets.token_hex(4)}.wav"
        try:
            plain.write_bytes(result.stdout)
            sealed.put_sealed(store, object_key, plain, tmp_dir())
        finally:
            plain.unlink(missing_ok=True)
    return result.stdout


def purge_speech(story_id: int) -> None:
    """Delete a story's cached summary speech, every stored version."""
    from core.storage import storage

    storage().delete_prefix(speech_prefix(story_id))


# --- the public page of a workshop ----------------------------------------------------------

def public_page(workshop_id: int):
    from extensions import db
    from evidence.models import PublicPage

    return db.session.scalar(db.select(PublicPage).where(PublicPage.workshop_id == workshop_id))


def set_public(workshop, enabled: bool, *, actor=None):
    """Turn a workshop's public page on (a new random address) or off; audited."""
    import secrets

    from audit.services import record
    from evidence.models import PublicPage
    from extensions import db

    page = public_page(workshop.id)
    if enabled and page is None:
        page = PublicPage(workshop_id=workshop.id, slug=secrets.token_urlsafe(16)[:22],
                          enabled_by_id=getattr(actor, "id", None))
        db.session.add(page)
        db.session.flush()
        record("public_page.enabled", workshop, actor=actor, summary=f"Public page of workshop {workshop.id} turned on")
    elif not enabled and page is not None:
        db.session.delete(page)
        record("public_page.disabled", workshop, actor=actor, summary=f"Public page of workshop {workshop.id} turned off")
    db.session.commit()
    return page if enabled else None


def public_content(workshop) -> dict:
    """What the public may see of a workshop: its themes (labels), what was decided, and quotes only
    from stories with `public` consent (redacted, through the policy)."""
    from extensions import db
    from governance import policy
    from themes.read import key_quotes, quote_text
    from workshops.dashboard import filter_actions
    from workshops.planning import workshop_themes

    public = set(db.session.scalars(policy.public_story_ids()))
    themes = []
    for theme in workshop_themes(workshop):
        said = [quote_text(p) for p in key_quotes(theme, public)]
        themes.append({"label": theme.label, "description": theme.description, "quotes": [q for q in said if q][:3]})
    actions = db.session.scalars(filter_actions(workshop_id=workshop.id)).all()
    return {"themes": themes, "decisions": [{"title": a.title, "what": a.description,
                                             "status_words": PLAIN_STATUS.get(a.status, a.status)} for a in actions]}
