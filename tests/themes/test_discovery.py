"""Theme discovery as a worker job, on the real model, over the dev corpus (one shared site per module)."""
import pytest
from sqlalchemy import func, select

from accounts.models import User
from audit.models import AuditEntry
from extensions import db
from jobs.models import Job
from tests import factories
from tests.conftest import sign_in
from tests.themes.helpers import withdraw_consent
from themes import services
from themes.models import EmbeddingCache, Passage, Theme, ThemeDecision, ThemeRun

SEEDS = [{"name": "Somewhere to live", "description": "somewhere safe and stable to live: hostels, flats, the council"},
         {"name": "Drink and drugs", "description": "drugs, alcohol, treatment and recovery"}]


@pytest.fixture(scope="module")
def first_run(corpus_app):
    with corpus_app.app_context():
        facilitator = db.session.get(User, corpus_app.extra["user_ids"]["facilitator"])
        run, job = services.queue_run(seeds=SEEDS, min_stories=2, actor=facilitator)
        assert job.status == "succeeded", job.error
        return run.id


@pytest.mark.slow
def test_a_run_records_inputs_outputs_and_time(ctx, first_run):
    run = db.session.get(ThemeRun, first_run)
    assert run.status == "done" and run.finished_at >= run.created_at
    assert sorted(run.story_ids) == sorted(ctx.extra["ids"].values())
    assert run.seeds == SEEDS and run.model == "bundled:all-MiniLM-L6-v2"
    assert run.settings["random_state"] == 42 and run.settings["min_stories"] == 2
    themes = services.visible_themes(run)
    seeded = {t.seed_name: t for t in themes if t.origin == "seed"}
    assert set(seeded) == {"Somewhere to live", "Drink and drugs"}
    assert seeded["Drink and drugs"].description.startswith("drugs, alcohol")
    assert any(t.origin == "machine" and not t.is_outlier for t in themes)  # new themes beyond the seeds
    for theme in themes:
        if not theme.is_outlier:
            assert theme.label and theme.keywords
    passages = run.passages
    assert passages and all(p.theme_id is not None and p.machine_theme_id == p.theme_id for p in passages)
    assert all(p.text_hash == services.text_hash(p.text) for p in passages)
    assert any(p.representativeness for p in passages)
    job = db.session.scalar(select(Job).where(Job.subject_type == "theme_run", Job.subject_id == run.id))
    assert job.result["passages"] == len(passages) and job.progress == 100
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "theme_run.started",
                                                      AuditEntry.object_id == str(run.id)))


@pytest.mark.slow
def test_drink_and_drugs_seed_collects_the_substance_stories(ctx, first_run):
    run = db.session.get(ThemeRun, first_run)
    theme = next(t for t in run.themes if t.seed_name == "Drink and drugs")
    corpus_ids = {v: k for k, v in ctx.extra["ids"].items()}
    truth = {s["id"] for s in ctx.extra["data"]["stories"] if s["theme"] == "substance_use"}
    found = {corpus_ids[p.story_id] for p in run.passages if p.theme_id == theme.id}
    assert len(found & truth) >= 3


@pytest.mark.slow
def test_rebuild_after_one_new_story_embeds_only_that_story(ctx, first_run):
    cached_before = db.session.scalar(select(func.count()).select_from(EmbeddingCache))
    reporter = db.session.get(User, ctx.extra["user_ids"]["reporter"])
    story = factories.make_story(reporter, title="New one", text="The hostel gave me two weeks notice. I have been "
                                 "sofa surfing at my cousin's since. My officer wrote to the council about a flat.")
    try:
        run, job = services.queue_run(seeds=SEEDS)
        assert job.status == "succeeded", job.error
        new_passages = [p for p in run.passages if p.story_id == story.id]
        assert job.result["embedded"] == len(new_passages) >= 1
        assert db.session.scalar(select(func.count()).select_from(EmbeddingCache)) == cached_before + len(new_passages)
    finally:
        withdraw_consent(story.id)


@pytest.mark.slow
def test_people_decisions_survive_a_rerun(ctx, first_run):
    facilitator = db.session.get(User, ctx.extra["user_ids"]["facilitator"])
    base, _ = services.queue_run(seeds=SEEDS, actor=facilitator)
    themes = [t for t in services.visible_themes(base) if not t.is_outlier]
    machine = [t for t in themes if t.origin == "machine"]
    seed = next(t for t in themes if t.seed_name == "Drink and drugs")
    renamed = services.rename_theme(machine[0], label="Getting out of prison", expected_version=machine[0].version,
                                    actor=facilitator, reason="the group's words")
    # merge the last two machine themes
    source, target = machine[-1], machine[-2]
    services.merge_themes(source, target, actor=facilitator)
    moved = next(p for p in base.passages if p.theme_id == renamed.id)
    services.move_passage(moved, seed, actor=facilitator)
    pinned = next(p for p in base.passages if p.theme_id == seed.id and p.id != moved.id)
    services.set_pinned(pinned, True, actor=facilitator)
    handmade = services.create_theme(base, label="Being listened to", actor=facilitator)
    listened = next(p for p in base.passages if p.theme_id == target.id)
    services.move_passage(listened, handmade, actor=facilitator)

    again, job = services.queue_run(seeds=SEEDS, actor=facilitator)
    assert job.status == "succeeded", job.error
    assert again.previous_run_id == base.id and again.carried >= 5
    by_key = {(p.story_id, p.text_hash): p for p in again.passages}
    visible = {t.label: t for t in services.visible_themes(again)}
    kept = visible["Getting out of prison"]
    assert kept.renamed_by_people and kept.machine_label == renamed.machine_label
    assert by_key[(moved.story_id, moved.text_hash)].theme.seed_name == "Drink and drugs"
    assert by_key[(moved.story_id, moved.text_hash)].moved_by_people
    assert by_key[(pinned.story_id, pinned.text_hash)].pinned
    assert "Being listened to" in visible
    assert by_key[(listened.story_id, listened.text_hash)].theme.label == "Being listened to"
    # the merged pair is one theme again: the source's passages sit with the target's
    source_keys = {(p.story_id, p.text_hash) for p in base.passages if p.machine_theme_id == source.id}
    homes = {services.final_theme(by_key[k].theme).id for k in source_keys if k in by_key and not by_key[k].moved_by_people}
    target_home = services.final_theme(by_key[(listened.story_id, listened.text_hash)].machine_theme_id and
                                       db.session.get(Theme, by_key[(listened.story_id, listened.text_hash)].machine_theme_id))
    assert len(homes) == 1 and homes == {target_home.id}
    assert db.session.scalar(select(ThemeDecision).where(ThemeDecision.run_id == again.id,
                                                         ThemeDecision.action.like("carried_%")))
    # the earlier run is still there, unchanged
    assert db.session.get(Theme, renamed.id).run_id == base.id


@pytest.mark.slow
def test_the_model_splits_a_theme_on_request(ctx, first_run):
    facilitator = db.session.get(User, ctx.extra["user_ids"]["facilitator"])
    run = db.session.get(ThemeRun, first_run)
    theme = max((t for t in services.visible_themes(run) if not t.is_outlier),
                key=lambda t: sum(p.theme_id == t.id for p in run.passages))
    before = sum(p.theme_id == theme.id for p in run.passages)
    job = services.start_recluster(theme, n_clusters=2, actor=facilitator)
    assert job.status == "succeeded", job.error
    new = db.session.get(Theme, job.result["new_theme_ids"][0])
    assert new.origin == "human" and new.label
    db.session.expire_all()
    after = sum(p.theme_id == theme.id for p in run.passages) + sum(p.theme_id == new.id for p in run.passages)
    assert after == before


@pytest.mark.slow
def test_board_api_and_prevalence_over_a_real_run(ctx, first_run):
    client = ctx.test_client()
    sign_in(client, ctx.extra["users"]["facilitator"])
    page = client.get(f"/themes/runs/{first_run}").get_data(as_text=True)
    assert "Drink and drugs" in page and "Theme board" in page
    body = client.get(f"/api/v1/theme-runs/{first_run}").get_json()
    assert body["id"] == first_run and body["themes"]
    assert all(p["text"] for t in body["themes"] for p in t["passages"])
    csv_text = client.get(f"/themes/runs/{first_run}/prevalence.csv").get_data(as_text=True)
    assert "Drink and drugs" in csv_text and "People on probation" in csv_text
    png = client.get(f"/themes/runs/{first_run}/prevalence.png")
    assert png.status_code == 200 and png.data[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.slow
def test_withdrawn_story_never_enters_a_run(ctx, first_run):
    reporter = db.session.get(User, ctx.extra["user_ids"]["reporter"])
    story = factories.make_story(reporter, title="Withdrawn", text="I was drinking every day. Rehab helped me stop.")
    no_consent = factories.make_story(reporter, title="No consent", scopes=None, text="My flat had damp everywhere.")
    withdraw_consent(story.id)
    run, job = services.queue_run(seeds=SEEDS)
    assert job.status == "succeeded"
    assert story.id not in run.story_ids and no_consent.id not in run.story_ids
    assert not [p for p in run.passages if p.story_id in (story.id, no_consent.id)]
