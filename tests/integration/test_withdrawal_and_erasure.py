"""A story withdrawn or erased while other domains use it: theme runs, packs, the board, design actions."""
from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from flask import current_app
from sqlalchemy import select

from extensions import db
from governance import services as governance
from stories.models import Story
from tests.conftest import sign_in
from tests.integration.helpers import audit_count, discovery_job, user
from tests.themes.helpers import add_corpus_stories, corpus
from tests.workshops.helpers import workshop_data
from themes.models import Passage, ThemeRun
from workshops import actions as action_rules
from workshops import packs, planning
from workshops.models import ActionEvidence, Workshop, WorkshopPack


def _pack_files() -> set[str]:
    from core.storage import storage

    return {o.key for o in storage().list("packs")}


def _workshop(users, world, other: str, **data):
    """The facilitator, the person in role `other`, and a new workshop of the world's stories."""
    facilitator = user(users["facilitator"])
    workshop = planning.create_workshop(workshop_data(world, **data), actor=facilitator)
    return facilitator, user(users[other]), workshop


def _pack_workshop(users, world, other: str):
    """As _workshop, on the first theme only: every story is still in the pack and both audio stories
    still give it a clip and a reel, but one theme reel is made (each is an ffmpeg video), not three."""
    return _workshop(users, world, other, theme_ids=world["theme_ids"][:1])


def _typed_ids(world) -> list[int]:
    return [s for s in world["story_ids"] if s not in world["audio_story_ids"]]


# --- (a) a theme run -------------------------------------------------------------------------

@pytest.mark.slow
def test_a_story_withdrawn_while_the_theme_job_runs_never_lands_in_the_run(app, users):
    """The real job, with the withdrawal made from its progress report: after the stories were
    chosen and read, before the passages are written."""
    from themes.tasks import discover

    with app.app_context():
        reporter, facilitator = user(users["reporter"]), user(users["facilitator"])
        ids = add_corpus_stories(reporter, corpus()["stories"][:14])
        leaving = db.session.get(Story, ids[min(ids)])
        leaving_id = leaving.id
        run, job = discovery_job(facilitator)
        seen = []

        def report(percent, message=""):
            seen.append(percent)
            if percent == 55 and not any(p == 55 for p in seen[:-1]):  # the model is about to run
                assert leaving_id in db.session.get(ThemeRun, run.id).story_ids
                governance.withdraw_consent(db.session.get(Story, leaving_id), reporter, requested_by="the storyteller")

        result = discover(job, report)
        run = db.session.get(ThemeRun, result["run_id"])
        assert run.status == "done" and leaving_id not in run.story_ids
        assert not db.session.scalars(select(Passage).where(Passage.run_id == run.id,
                                                            Passage.story_id == leaving_id)).all()
        assert len(run.story_ids) == 13 and run.passages
        assert audit_count("theme_run.stories_left", run.id) == 1


# --- (b) a workshop pack ------------------------------------------------------------------------

@pytest.mark.slow
def test_an_erasure_while_a_pack_is_built_leaves_no_file_or_row_of_it(app, users, world):
    with app.app_context():
        facilitator, admin, workshop = _pack_workshop(users, world, "admin")
        erased_id = _typed_ids(world)[0]
        erased_words = db.session.get(Story, erased_id).transcript_text.split(".")[0]
        erased = []

        def report(percent, message=""):
            if percent >= 40 and not erased:  # clips cut, the zip not yet written
                erased.append(governance.erase_story(db.session.get(Story, erased_id), admin))

        pack = packs.build_and_store_pack(db.session.get(Workshop, workshop.id), report=report)
        assert erased == [erased_id]
        assert erased_id not in pack.story_ids and len(pack.story_ids) == len(world["story_ids"]) - 1
        rows = db.session.scalars(select(WorkshopPack)).all()
        assert [r.id for r in rows] == [pack.id]  # the build that held the story was never recorded
        assert _pack_files() == {pack.path}  # ... and its file is gone
        from core.sealed import write_plain
        from core.storage import storage

        plain = Path(current_app.config["DATA_DIR"]) / "pack.zip"
        write_plain(storage(), pack.path, plain)
        with zipfile.ZipFile(plain) as archive:
            blob = b"".join(archive.read(n) for n in archive.namelist() if n.endswith((".json", ".html", ".txt")))
        assert erased_words.encode() not in blob
        assert audit_count("workshop.pack_discarded", workshop.id) == 1


@pytest.mark.slow
def test_erasing_a_story_deletes_every_pack_that_held_it(app, users, world):
    with app.app_context():
        facilitator, admin, workshop = _pack_workshop(users, world, "admin")
        state, first = packs.request_pack(workshop, actor=facilitator)
        assert state == "ready"
        first_path = first.path
        governance.erase_story(db.session.get(Story, world["story_ids"][0]), admin)
        assert not (Path(current_app.config["DATA_DIR"]) / first_path).exists()
        assert all(world["story_ids"][0] not in (p.story_ids or []) for p in db.session.scalars(select(WorkshopPack)))
        assert audit_count("workshop.pack_erased") == 1


@pytest.mark.slow
def test_an_erasure_between_build_and_publish_is_caught(app, users, world):
    """The same, step by step: build the file, erase, then publish refuses and deletes the file."""
    with app.app_context():
        facilitator, admin, workshop = _pack_workshop(users, world, "admin")
        out = packs.new_pack_path(workshop)
        _, fingerprint, content = packs.build_pack_file(workshop, out)
        assert out.is_file()
        governance.erase_story(db.session.get(Story, _typed_ids(world)[1]), admin)
        assert packs.publish_pack(db.session.get(Workshop, workshop.id), out, fingerprint, content) is None
        assert not out.exists() and not db.session.scalars(select(WorkshopPack)).all()


@pytest.mark.slow
def test_withdrawal_retires_packs_and_rebuilds_without_the_story(app, users, world):
    with app.app_context():
        facilitator, reporter, workshop = _pack_workshop(users, world, "reporter")
        _, old = packs.request_pack(workshop, actor=facilitator)
        old_id, old_path = old.id, old.path
        leaving = _typed_ids(world)[0]
        governance.withdraw_consent(db.session.get(Story, leaving), reporter, requested_by="the storyteller")
        old = db.session.get(WorkshopPack, old_id)
        assert old.retired_at is not None and "withdrawn" in old.retired_reason
        assert not (Path(current_app.config["DATA_DIR"]) / old_path).exists()
        new = packs.servable_pack(db.session.get(Workshop, workshop.id))  # rebuilt at once (jobs run inline)
        assert new is not None and new.id != old_id and leaving not in new.story_ids


def test_withdrawing_the_only_story_blocks_the_pack(app, users, world):
    with app.app_context():
        only = _typed_ids(world)[0]
        facilitator, lead, workshop = _workshop(users, world, "safeguarding_lead", story_ids=[only])
        _, pack = packs.request_pack(workshop, actor=facilitator)
        pack_id = pack.id
        governance.decide_safeguarding(db.session.get(Story, only), "restricted", "Kept out for good", lead)
        assert db.session.get(WorkshopPack, pack_id).retired_at is not None
        assert packs.servable_pack(db.session.get(Workshop, workshop.id)) is None
        assert audit_count("workshop.pack_blocked", workshop.id) == 1
        # Restriction also takes the story off every theme board.
        assert all(p.withdrawn_at is not None for p in db.session.scalars(select(Passage).where(Passage.story_id == only)))


# --- (d) and (e): the board and design actions ------------------------------------------------------

def _action_citing(app, users, world, story_id) -> tuple[int, int, str]:
    """A facilitator's action citing the story's first passage: its id, the passage's id and words."""
    with app.app_context():
        passage = db.session.scalars(select(Passage).where(Passage.story_id == story_id)
                                     .order_by(Passage.position)).first()
        action = action_rules.create_action({"title": "Travel help at reception", "status": "agreed",
                                             "theme_ids": [passage.theme_id], "story_ids": [story_id],
                                             "quotes": [passage.id]}, actor=user(users["facilitator"]))
        return action.id, passage.id, passage.text


def _signed_in(app, users, *roles):
    """One signed-in test client per role."""
    clients = []
    for role in roles:
        clients.append(app.test_client())
        sign_in(clients[-1], users[role].email)
    return clients


def test_withdrawing_consent_takes_the_quote_off_the_board_at_once(app, users, world):
    story_id = _typed_ids(world)[0]
    action_id, passage_id, words = _action_citing(app, users, world, story_id)
    facilitator, reporter = _signed_in(app, users, "facilitator", "reporter")
    assert words in facilitator.get("/themes").get_data(as_text=True)
    assert words in facilitator.get(f"/actions/{action_id}").get_data(as_text=True)
    response = reporter.post(f"/stories/{story_id}/consent/withdraw", data={"requested_by": "the storyteller"})
    assert response.status_code == 302
    board = facilitator.get("/themes").get_data(as_text=True)
    assert words not in board
    page = facilitator.get(f"/actions/{action_id}").get_data(as_text=True)
    assert "Evidence withdrawn" in page and words not in page
    with app.app_context():
        assert db.session.get(Passage, passage_id).withdrawn_at is not None  # the themes hook ran


def test_an_action_citing_an_erased_quote_keeps_a_placeholder(app, users, world):
    story_id = _typed_ids(world)[1]
    action_id, passage_id, words = _action_citing(app, users, world, story_id)
    admin, manager = _signed_in(app, users, "admin", "manager")
    assert admin.post(f"/admin/stories/{story_id}/erase", data={"confirm": str(story_id)}).status_code == 302
    for client in (admin, manager):
        page = client.get(f"/actions/{action_id}").get_data(as_text=True)
        assert "Evidence withdrawn" in page and words not in page
    with app.app_context():
        assert db.session.get(Story, story_id) is None and db.session.get(Passage, passage_id) is None
        kept = db.session.scalars(select(ActionEvidence).where(ActionEvidence.action_id == action_id)).all()
        assert {(e.kind, e.ref_id) for e in kept} >= {("quote", passage_id), ("story", story_id)}


def test_subject_access_lists_workshops_and_actions(app, users, world):
    story_id = _typed_ids(world)[2]
    with app.app_context():
        workshop_id = _workshop(users, world, "admin")[2].id
    action_id, passage_id, _ = _action_citing(app, users, world, story_id)
    admin, = _signed_in(app, users, "admin")
    response = admin.get(f"/admin/stories/{story_id}/subject-access.zip")
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        used = json.loads(archive.read("story.json"))["used_in"]["workshops"]
    assert [w["id"] for w in used["workshops"]] == [workshop_id]
    assert used["actions"][0]["id"] == action_id
    assert {"kind": "quote", "ref_id": passage_id} in used["actions"][0]["cites"]
