"""The leak matrix's data: one story per state, each carrying its own marker words.

Markers are lowercase made-up words, so no detector would hide them by chance:
what hides them is the policy and the redactions this file records.
"""
from __future__ import annotations

from datetime import date, timedelta

from extensions import db
from governance import services as governance
from governance.models import Redaction, StoryGovernance
from stories.models import Segment, Story, TranscriptVersion
from tests import factories
from tests.workshops.helpers import audio_story
from themes.models import Passage, Theme, ThemeRun

ALL = ("analysis", "workshop", "quote", "manager_view")
# state: (consent scopes, has audio)
STATES = {
    "full": (ALL, True),
    "no_manager": (("analysis", "workshop", "quote"), True),
    "workshop_only": (("analysis", "workshop"), True),
    "withdrawn": (ALL, True),
    "expired": (ALL, False),
    "held": (ALL, False),
    "restricted": (ALL, False),
    "erased": (ALL, False),
    "retyped": (ALL, False),
    "titled": (ALL, False),
    "english_only": (ALL, True),  # told in Polish, its hidden details not yet checked by a person
}


def marker(state: str) -> str:
    return f"zq{state.replace('_', '')}zq"


# Extra markers: words that were hidden, retyped away, or kept with the reporter and admins.
REDACTED_NAME = "zqhiddennamezq"   # accepted redaction in the "full" story's words
RETYPED_NAME = "zqretypednamezq"   # said, then retyped away: only in an earlier version
TITLE_NAME = "zqtitlenamezq"       # a name in the "titled" story's title, redacted there
NOTE_NAME = "zqnotenamezq"         # a name in its notes, redacted there
FILE_NAME = "zqfilenamezq"         # the "full" story's original file name
ENGLISH_WORD = "zqenglishversionzq"  # in the "english_only" story's (redacted) English version


def _story(reporter, state: str, scopes, audio: bool) -> Story:
    words = [f"I waited three weeks {marker(state)} for my first appointment.", "The bus fare was too much for me."]
    if state == "full":
        words[1] = f"My officer {REDACTED_NAME} moved me to another office."
    if state == "english_only":
        words[1] = "Czekałem trzy tygodnie na autobus."
    if audio:
        story = audio_story(reporter, title=f"Story {state.replace('_', ' ')}", sentences=words, scopes=scopes)
    else:
        story = factories.make_story(reporter, title=f"Story {state.replace('_', ' ')}", scopes=scopes, text=" ".join(words))
    if state == "english_only":
        story.language = "pl"
        story.english_segments = [{"start": 0.0, "end": 2.8, "text": f"I waited three weeks {ENGLISH_WORD}."}]
    return story


def build(users) -> dict:
    """Every state, a theme run over them all, a workshop and its pack, an action citing each. Ids only."""
    from accounts.models import User

    reporter, admin = db.session.get(User, users["reporter"].id), db.session.get(User, users["admin"].id)
    stories = {state: _story(reporter, state, scopes, audio) for state, (scopes, audio) in STATES.items()}
    for story in stories.values():
        db.session.add(StoryGovernance(story_id=story.id, scan_state="done"))
    _hide(stories)
    db.session.commit()
    ids = {state: s.id for state, s in stories.items()}
    run_id, passage_ids = _theme_run(stories)
    quote_ids = _quotes(stories, run_id)
    # Used while every story was in use; then each reaches its state, as happens in real life.
    workshop_id, action_id = _workshop_and_action(ids, run_id, users)
    lead = db.session.get(User, users["safeguarding_lead"].id)
    db.session.get(StoryGovernance, ids["held"]).safeguarding_state = "awaiting"
    db.session.get(StoryGovernance, ids["english_only"]).scan_state = "person"  # its check ended
    db.session.get(Story, ids["expired"]).current_consent.expires_on = date.today() - timedelta(days=1)
    db.session.commit()
    governance.decide_safeguarding(db.session.get(Story, ids["restricted"]), "restricted", "", lead)
    governance.withdraw_consent(db.session.get(Story, ids["withdrawn"]), reporter)
    governance.erase_story(db.session.get(Story, ids["erased"]), admin)
    return {"stories": ids, "run_id": run_id, "passages": passage_ids, "workshop_id": workshop_id,
            "action_id": action_id, "quotes": quote_ids}


def _hide(stories) -> None:
    full, titled, retyped = stories["full"], stories["titled"], stories["retyped"]
    full.source_filename = f"{FILE_NAME}.wav"
    text = full.transcript_text
    start = text.index(REDACTED_NAME)
    db.session.add(Redaction(story_id=full.id, start_char=start, end_char=start + len(REDACTED_NAME), kind="name",
                             text=REDACTED_NAME, state="accepted"))
    titled.title = f"What {TITLE_NAME} said"
    titled.notes = f"Met {NOTE_NAME} at the station."
    for field, value, word in (("title", titled.title, TITLE_NAME), ("notes", titled.notes, NOTE_NAME)):
        start = value.index(word)
        db.session.add(Redaction(story_id=titled.id, field=field, start_char=start, end_char=start + len(word),
                                 kind="name", text=word, state="accepted"))
    # Said aloud, then retyped away: the earlier version keeps it (reporter and admins only).
    db.session.add(TranscriptVersion(story_id=retyped.id, number=1, kind="machine",
                                     segments=[{"start": None, "end": None, "text": f"{RETYPED_NAME} told me",
                                                "speaker": ""}]))
    retyped.segments[0].text = retyped.segments[0].text + " A person on probation told me."
    db.session.add(TranscriptVersion(story_id=retyped.id, number=2, kind="edit",
                                     segments=[s.to_dict() for s in retyped.segments]))


def _theme_run(stories) -> tuple[int, list[int]]:
    run = ThemeRun(status="done", story_ids=[s.id for s in stories.values()], model="test")
    db.session.add(run)
    db.session.flush()
    theme = Theme(run_id=run.id, label="Waiting and travel", description="Long waits and fares.", position=0,
                  keywords=[])
    db.session.add(theme)
    db.session.flush()
    passage_ids = []
    for story in stories.values():  # a story told in another language is cut from its English version
        for i, segment in enumerate(story.english_segments or story.segments):
            segment = Segment(**segment) if isinstance(segment, dict) else segment
            passage = Passage(run_id=run.id, story_id=story.id, position=i, start=segment.start, end=segment.end,
                              text=segment.text.strip(), text_hash=f"{story.id}-{i}", theme_id=theme.id,
                              machine_theme_id=theme.id, pinned=True, representativeness=0.5)
            db.session.add(passage)
            db.session.flush()
            passage_ids.append(passage.id)
    db.session.commit()
    return run.id, passage_ids


def _quotes(stories, run_id: int) -> dict:
    """A quote people chose (words selected by their timings) of each story with audio, placed on the theme:
    {state: quote id}. Made while every story was in use; the states come after."""
    from tests.workshops.helpers import time_words
    from themes.quote_models import Quote

    theme = db.session.scalars(db.select(Theme).where(Theme.run_id == run_id)).first()
    out = {}
    for state, story in stories.items():
        if not STATES[state][1]:
            continue
        time_words(story)
        quote = Quote(story_id=story.id, theme_id=theme.id, start=0.0, end=2.79)  # the sentence with its marker
        db.session.add(quote)
        db.session.flush()
        out[state] = quote.id
    db.session.commit()
    return out


def _workshop_and_action(ids: dict, run_id: int, users) -> tuple[int, int]:
    from accounts.models import User
    from workshops import actions, evidence, packs, planning

    from governance.policy import quotable_story_ids, workshop_story_ids

    facilitator = db.session.get(User, users["facilitator"].id)
    run = db.session.get(ThemeRun, run_id)
    chosen = set(db.session.scalars(workshop_story_ids()))
    quotable = set(db.session.scalars(quotable_story_ids()))
    workshop = planning.create_workshop({
        "title": "Waiting times", "date": date.today() + timedelta(days=7), "place": "Room 2",
        "purpose": "Agree what we change.", "attendees": [], "theme_run_id": run_id,
        "theme_ids": [t.id for t in run.themes], "story_ids": sorted(chosen), "prompts": {}}, actor=facilitator)
    quotes = [p.id for p in db.session.scalars(db.select(Passage).where(Passage.run_id == run_id))
              if p.story_id in quotable]
    action = actions.create_action({"title": "Shorter waits", "workshop_id": workshop.id,
                                      "story_ids": sorted(chosen), "quote_ids": quotes}, actor=facilitator)
    return workshop.id, action.id
