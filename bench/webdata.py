"""A site at scale for bench/web.py and the query-count tests: N stories (one reporter holds 30 %),
one finished theme run with passages on every theme, a workshop and design actions with evidence.

Rows are written directly (no models, no jobs): this measures serving pages, not making them.
"""
from __future__ import annotations

import hashlib
import random
from datetime import date, timedelta

PASSWORD = "bench password 123"
ROLES = ("reporter", "facilitator", "manager", "safeguarding_lead", "admin")
WORDS = ("bus fare probation office housing flat forms case manager trust daughter weekend drink "
         "appointment waiting letter phone volunteer peer mentor course job interview rent deposit").split()


def _sentence(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(12)).capitalize() + "."


def _checked(story_rows) -> None:
    """Each story checked (a governance row), and every fifth with a name hidden in its title."""
    from extensions import db
    from governance.models import Redaction, StoryGovernance

    for number, story in enumerate(story_rows):
        db.session.add(StoryGovernance(story_id=story.id, scan_state="done", scanned_revision=story.revision or 0))
        if number % 5 == 0:
            story.title = f"Story {number + 1} told by Marcus"
            start = story.title.index("Marcus")
            db.session.add(Redaction(story_id=story.id, field="title", start_char=start, end_char=start + 6,
                                     kind="PERSON", text="Marcus", state="accepted"))
    db.session.commit()


def load(stories: int = 1000, themes: int = 12, seed: int = 7) -> dict:
    """Fill the (empty) database of the current app; returns ids the benchmark needs."""
    from accounts.services import create_user
    from extensions import db
    from stories.models import ConsentRecord, ConsentScope, Segment, Story
    from themes.models import Passage, Theme, ThemeRun
    from workshops.models import ActionEvidence, DesignAction, Workshop, WorkshopStory, WorkshopTheme

    rng = random.Random(seed)
    users = {role: create_user(f"{role}@bench.example", [role], name=role.title(), password=PASSWORD) for role in ROLES}
    others = [create_user(f"reporter{i}@bench.example", ["reporter"], name=f"Reporter {i}", password=PASSWORD)
              for i in range(4)]
    main_reporter = users["reporter"]
    story_rows = []
    for number in range(stories):
        owner = main_reporter if number % 10 < 3 else others[number % len(others)]
        story = Story(title=f"Story {number + 1}", reporter_id=owner.id, status="ready", source_kind="text",
                      storyteller_role=rng.choice(("service_user", "staff", "peer_mentor")), language="en",
                      recorded_on=date(2026, 1, 1) + timedelta(days=number % 300))
        consent = ConsentRecord(method="written", recorded_by_id=owner.id)
        consent.scope_rows = [ConsentScope(scope=s) for s in ("analysis", "workshop", "quote", "manager_view")]
        story.consents.append(consent)
        story.segments = [Segment(position=i, text=_sentence(rng)) for i in range(3)]
        story_rows.append(story)
    db.session.add_all(story_rows)
    db.session.commit()
    _checked(story_rows)
    run = ThemeRun(status="done", story_ids=[s.id for s in story_rows])
    db.session.add(run)
    db.session.flush()
    theme_rows = [Theme(run_id=run.id, label=f"Theme {t + 1}", machine_label=f"theme {t + 1}", position=t,
                        keywords=rng.sample(WORDS, 5)) for t in range(themes)]
    db.session.add_all(theme_rows)
    db.session.flush()
    passages = []
    for story in story_rows:
        for position in range(2):
            text = story.segments[position].text
            theme = theme_rows[rng.randrange(themes)]
            passages.append(Passage(run_id=run.id, story_id=story.id, position=position, text=text,
                                    text_hash=hashlib.sha256(text.encode()).hexdigest(), theme_id=theme.id,
                                    machine_theme_id=theme.id, representativeness=rng.random(),
                                    pinned=position == 0 and rng.random() < 0.05))
    db.session.add_all(passages)
    workshop = Workshop(title="Bench workshop", theme_run_id=run.id, created_by_id=users["facilitator"].id)
    db.session.add(workshop)
    db.session.flush()
    db.session.add_all([WorkshopTheme(workshop_id=workshop.id, theme_id=t.id, position=i)
                        for i, t in enumerate(theme_rows[:4])])
    db.session.add_all([WorkshopStory(workshop_id=workshop.id, story_id=s.id) for s in story_rows[:20]])
    for number in range(30):
        action = DesignAction(workshop_id=workshop.id, title=f"Action {number + 1}", owner="Service lead",
                              status=rng.choice(("proposed", "agreed", "in_progress", "done")),
                              due_date=date(2027, 1, 1) + timedelta(days=number), created_by_id=users["facilitator"].id)
        db.session.add(action)
        db.session.flush()
        db.session.add(ActionEvidence(action_id=action.id, kind="theme", ref_id=theme_rows[number % themes].id))
        story = story_rows[number]
        db.session.add(ActionEvidence(action_id=action.id, kind="story", ref_id=story.id, story_id=story.id))
    db.session.commit()
    return {"run_id": run.id, "theme_id": theme_rows[0].id, "story_id": story_rows[0].id,
            "workshop_id": workshop.id, "emails": {role: u.email for role, u in users.items()}}
