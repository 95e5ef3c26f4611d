"""Planning a workshop, presenting it, and its pack (built by the worker, rebuilt when content changes)."""
from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import pytest
from engines.packs import verify_pack
from extensions import db
from stories.models import Story
from tests.conftest import sign_in
from tests.factories import make_story
from tests.workshops.helpers import withdraw, workshop_data
from workshops import packs, planning
from workshops.models import DEFAULT_PROMPTS, Workshop, WorkshopPack


def test_facilitator_plans_a_workshop_from_a_theme_run(app, client, users, world):
    sign_in(client, users["facilitator"].email)
    page = client.get("/workshops/new").get_data(as_text=True)
    assert f"/workshops/new?run_id={world['run_id']}" in page
    form = client.get(f"/workshops/new?run_id={world['run_id']}").get_data(as_text=True)
    assert DEFAULT_PROMPTS[0] in form and "Getting to appointments" in form
    data = {"title": "Getting here", "date": "2030-03-14", "place": "Hope Street", "purpose": "Listen and decide",
            "attendees": "Sam (peer mentor)\nJo (case manager)", "theme_run_id": world["run_id"],
            "theme_ids": world["theme_ids"][:2], "story_ids": world["story_ids"],
            f"prompts-{world['theme_ids'][0]}": "What makes it hard to get here?\nWho should tell people about travel help?"}
    response = client.post("/workshops/new", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        workshop = db.session.scalars(db.select(Workshop)).one()
        assert workshop.attendees == ["Sam (peer mentor)", "Jo (case manager)"]
        assert workshop.theme_ids == world["theme_ids"][:2]
        assert workshop.prompts_for(world["theme_ids"][0])[1] == "Who should tell people about travel help?"
        assert workshop.prompts_for(world["theme_ids"][1]) == list(DEFAULT_PROMPTS)
        show = client.get(f"/workshops/{workshop.id}").get_data(as_text=True)
    assert "Make the pack" in show and "Present" in show


def test_only_stories_with_workshop_consent_can_be_chosen(app, client, users, world):
    with app.app_context():
        reporter = db.session.get(Story, world["story_ids"][0]).reporter
        private = make_story(reporter, title="Analysis only", scopes=("analysis",))
        from themes.models import ThemeRun

        run = db.session.get(ThemeRun, world["run_id"])
        run.story_ids = run.story_ids + [private.id]
        db.session.commit()
        assert private.id not in {s.id for s in planning.eligible_stories(run)}
        private_id = private.id
    sign_in(client, users["facilitator"].email)
    assert "Analysis only" not in client.get(f"/workshops/new?run_id={world['run_id']}").get_data(as_text=True)
    response = client.post("/workshops/new", data={"title": "X", "theme_run_id": world["run_id"],
                                                   "theme_ids": world["theme_ids"], "story_ids": [private_id]})
    assert response.status_code == 400
    assert "agreed to workshops" in response.get_data(as_text=True)


def test_a_theme_run_with_no_consented_stories_says_so(app, client, users, world):
    with app.app_context():
        for sid in world["story_ids"]:
            withdraw(db.session.get(Story, sid))
    sign_in(client, users["facilitator"].email)
    page = client.get(f"/workshops/new?run_id={world['run_id']}").get_data(as_text=True)
    assert "No story in this theme run has workshop consent yet" in page
    response = client.post("/workshops/new", data={"title": "Empty", "theme_run_id": world["run_id"],
                                                   "theme_ids": world["theme_ids"]})
    assert response.status_code == 400 and "none has workshop consent" in response.get_data(as_text=True)


def test_present_mode_shows_one_theme_per_screen_with_playable_clips(app, client, users, world):
    with app.app_context():
        workshop = planning.create_workshop(workshop_data(world))
        workshop_id = workshop.id
    sign_in(client, users["facilitator"].email)
    response = client.get(f"/workshops/{workshop_id}/present")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert page.count('class="slide"') == len(world["theme_ids"]) + 2
    assert "The bus to the office costs me four pounds 0." in page
    clips = re.findall(r'<audio preload="auto" src="([^"]+)"', page)
    assert clips and all(c.startswith("/workshops/clips/") for c in clips)
    audio = client.get(clips[0])
    assert audio.status_code == 200 and audio.mimetype == "audio/mpeg" and len(audio.data) > 1000
    # strict CSP: nothing inline
    assert "<script>" not in page and " style=" not in page and not re.search(r"\son[a-z]+=", page)
    worker = client.get("/workshops/present-sw.js")
    assert worker.headers["Service-Worker-Allowed"] == "/workshops/" and b"caches.open" in worker.data


@pytest.mark.slow
def test_pack_is_built_by_a_job_served_and_complete(app, client, users, world):
    with app.app_context():
        workshop_id = planning.create_workshop(workshop_data(world)).id
    sign_in(client, users["facilitator"].email)
    assert client.post(f"/workshops/{workshop_id}/pack").status_code == 302  # inline queue: built already
    response = client.get(f"/workshops/{workshop_id}/pack.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    path = Path(app.config["DATA_DIR"]) / "download.zip"
    path.write_bytes(response.data)
    assert verify_pack(path) == []
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        manifest = json.loads(archive.read("manifest.json"))
        pdf = archive.read("pack.pdf")
    assert {"index.html", "pack.pdf", "manifest.json"} <= set(names)
    clips = [n for n in names if n.startswith("clips/")]
    assert len(clips) == len(world["audio_story_ids"]) * 3  # every audio quote has its clip
    assert all(re.match(r"clips/theme-\d\d-quote-\d\d-story-\d+\.mp3$", n) for n in clips)
    assert pdf.startswith(b"%PDF")
    assert manifest["theme_run_id"] == world["run_id"]
    assert sorted(manifest["story_ids"]) == sorted(str(s) for s in world["story_ids"])
    assert all("workshop" in scopes for scopes in manifest["consent_state"].values())
    with app.app_context():
        job = packs.pack_job(db.session.get(Workshop, workshop_id))
        assert job.status == "succeeded" and job.progress == 100


@pytest.mark.slow
def test_a_withdrawn_story_retires_the_old_pack_and_the_next_is_built_without_it(app, client, users, world):
    with app.app_context():
        workshop = planning.create_workshop(workshop_data(world))
        first = packs.build_and_store_pack(workshop)
        old_file = Path(app.config["DATA_DIR"]) / first.path
        gone = world["audio_story_ids"][0]
        withdraw(db.session.get(Story, gone))
        workshop_id = workshop.id
    assert old_file.exists()
    sign_in(client, users["facilitator"].email)
    response = client.get(f"/workshops/{workshop_id}/pack.zip")
    assert response.status_code == 302  # not served: rebuilt instead (inline queue)
    assert not old_file.exists()
    response = client.get(f"/workshops/{workshop_id}/pack.zip")
    assert response.status_code == 200
    path = Path(app.config["DATA_DIR"]) / "again.zip"
    path.write_bytes(response.data)
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        viewer = archive.read("index.html").decode()
    assert str(gone) not in manifest["story_ids"]
    assert "four pounds 0." not in viewer
    with app.app_context():
        rows = db.session.scalars(db.select(WorkshopPack).order_by(WorkshopPack.id)).all()
        assert rows[0].retired_at is not None and rows[-1].retired_at is None


@pytest.mark.slow
def test_changing_the_workshop_changes_the_pack(app, users, world):
    with app.app_context():
        workshop = planning.create_workshop(workshop_data(world))
        pack = packs.build_and_store_pack(workshop)
        assert packs.servable_pack(workshop).id == pack.id
        planning.update_workshop(workshop, workshop_data(world, theme_ids=world["theme_ids"][:1]),
                                 expected_version=workshop.version)
        assert packs.servable_pack(workshop) is None


@pytest.mark.slow
def test_cli_builds_a_pack(app, world, tmp_path):
    with app.app_context():
        workshop_id = planning.create_workshop(workshop_data(world)).id
    out = tmp_path / "cli-pack.zip"
    result = app.test_cli_runner().invoke(args=["packs", "build", str(workshop_id), str(out)])
    assert result.exit_code == 0, result.output
    assert verify_pack(out) == []
    assert "wrote" in result.output
