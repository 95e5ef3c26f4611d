"""#9 finding 8: erasure is final. Ids are never reused, the audit log keeps no words, scratch goes."""
import os

import pytest

from audit.models import AuditEntry
from core import scratch
from extensions import db
from governance import services
from stories.models import Story
from tests import factories
from tests.workshops.helpers import audio_story, build_world
from workshops import actions, evidence

MARKER = "Quillfeather"


def test_an_erased_storys_id_is_never_given_to_the_next_story(db_app, db_users):
    with db_app.app_context():
        reporter = db.session.get(__import__("accounts.models", fromlist=["User"]).User, db_users["reporter"].id)
        admin = db.session.get(type(reporter), db_users["admin"].id)
        world = build_world(audio=0, text_stories=2, reporter=reporter)
        newest = max(world["story_ids"])
        action = actions.create_action({"title": "Travel help", "story_ids": [newest]})
        services.erase_story(db.session.get(Story, newest), admin)
        stranger = factories.make_story(reporter, title="A stranger's story")
        assert stranger.id > newest
        cited = evidence.action_evidence(action, admin)["stories"]
        assert cited == [{"id": newest, "withdrawn": True, "text": evidence.WITHDRAWN}]


@pytest.mark.slow
def test_the_audit_log_keeps_ids_and_neutral_words_never_the_storys(app, users, as_user, nlp):
    with app.app_context():
        reporter, admin, lead = (as_user(users[r]) for r in ("reporter", "admin", "safeguarding_lead"))
        story = factories.make_story(reporter, title=f"{MARKER} and the bus", notes=f"Met {MARKER} in town.",
                                     text=f"{MARKER} told me the bus was late. I wanted to hurt myself.")
        from stories.services import create_text_story

        typed = create_text_story(f"{MARKER} again.", {"title": f"{MARKER} typed", "storyteller_role": "staff"},
                                  {"scopes": ["analysis"]}, reporter)
        services.scan_story(story.id, nlp=nlp)
        services.add_redaction_by_words(story, "bus", "place", lead)
        services.decide_safeguarding(story, "no_action", f"Spoke to {MARKER}", lead)
        services.withdraw_consent(story, reporter, requested_by=f"{MARKER}'s sister", reason=f"{MARKER} moved")
        services.erase_story(story, admin)
        services.erase_story(db.session.get(Story, typed.id), admin)
        entries = db.session.scalars(db.select(AuditEntry)).all()
        assert entries
        for entry in entries:
            held = " ".join(str(v) for v in (entry.summary, entry.before, entry.after))
            assert MARKER not in held, (entry.action, held)


def test_scratch_is_swept_when_a_job_ends_at_worker_start_and_on_erasure(app, users, as_user):
    with app.app_context():
        story = audio_story(as_user(users["reporter"]), title="Bus", sentences=["The bus was late."])
        tmp, packs = scratch.folders()
        tmp.mkdir(exist_ok=True)
        packs.mkdir(exist_ok=True)
        token = scratch.set_job(41)
        mine = tmp / f"{scratch.scratch_prefix('plain', media_sha='0' * 64)}left.wav"
        scratch.reset_job(token)
        mine.write_bytes(b"audio")
        dead = tmp / f"plain-{scratch._host()}.999999.j7-{'1' * 16}-x.wav"  # a crashed process's copy
        dead.write_bytes(b"audio")
        of_story = tmp / f"plain-{scratch._host()}.{os.getpid()}.j3-{story.media.sha256[:16]}-x.wav"
        of_story.write_bytes(b"audio")
        staging = packs / f"clips-{scratch._host()}.{os.getpid()}.j3-abc"
        staging.mkdir()
        scratch.mark_stories(staging, [story.id])
        assert scratch.sweep(scratch.folders(), job_id=41) == 1 and not mine.exists()
        assert scratch.sweep(scratch.folders(), dead_only=True) == 1 and not dead.exists()
        assert of_story.exists() and staging.exists()
        services.erase_story(story, as_user(users["admin"]))
        assert not of_story.exists() and not staging.exists()


def test_a_job_leaves_no_scratch_behind_even_when_it_fails(app, users, as_user):
    from jobs.models import Job
    from jobs.registry import handles
    from jobs.runner import run_job

    @handles("tests.leaves_scratch")
    def leaves_scratch(job, report):
        path = scratch.folders()[0] / f"{scratch.scratch_prefix('plain')}half.wav"
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(b"plaintext audio")
        raise RuntimeError("the worker fell over")

    with app.app_context():
        job = Job(kind="tests.leaves_scratch")
        db.session.add(job)
        db.session.commit()
        assert run_job(job.id) == "failed"
        assert not list(scratch.folders()[0].glob("plain-*"))
