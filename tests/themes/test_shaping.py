"""Fewer / more themes, more like this, and undo on hand-made runs with cached vectors (no model)."""
import subprocess
import sys

import numpy as np
import pytest
from sqlalchemy import select

from accounts.models import User
from audit.models import AuditEntry
from engines.embeddings import text_key
from engines.themes.clean import clean_for_themes
from extensions import db
from tests import factories
from tests.conftest import ROOT, sign_in
from tests.themes.helpers import make_run_by_hand, withdraw_consent
from themes import recut, services, similar, undo
from themes.board import viewer_for
from themes.models import EmbeddingCache, Passage, Theme, ThemeDecision, ThemeRun

TOPICS = {"A": ["hostel", "flat", "council", "landlord", "rent", "eviction"],
          "B": ["benefits", "debt", "forms", "money", "bills", "loan"],
          "C": ["officer", "listened", "trusted", "respect", "names", "kind"]}


def _vector(group: str, n: int) -> np.ndarray:
    rng = np.random.default_rng(n)
    vector = rng.normal(0, 0.08, 16).astype("float32")
    vector["ABC".index(group)] += 1.0
    return vector


def store_vectors(run: ThemeRun, skip=()) -> None:
    """Cache a vector for each passage as discovery would (key of its cleaned words), by its topic."""
    for n, passage in enumerate(sorted(run.passages, key=lambda p: p.id)):
        if passage.id in skip:
            continue
        group = next(g for g, words in TOPICS.items() if any(w in passage.text for w in words))
        key = text_key(clean_for_themes(passage.text), None)
        if db.session.get(EmbeddingCache, key) is None:
            db.session.add(EmbeddingCache(key=key, model="test", vector=_vector(group, n).tobytes()))
    db.session.commit()


@pytest.fixture
def shaped(app, users):
    """Nine stories in three clear topics; the machine proposed two themes (A and B together, then C)."""
    with app.app_context():
        reporter = db.session.get(User, users["reporter"].id)
        stories = {g: [factories.make_story(reporter, title=f"{g}{i}", role="service_user") for i in range(3)]
                   for g in "ABC"}
        layout = {"Housing and money": [], "Trust": []}
        for g, words in TOPICS.items():
            for i, story in enumerate(stories[g]):
                for j in range(2):
                    text = f"Story {g}{i} part {j}: the {words[i * 2 + j]} mattered to me, said {g}{i}."
                    layout["Trust" if g == "C" else "Housing and money"].append((story, text))
        run = make_run_by_hand(layout)
        store_vectors(run)
        return {"run": run.id, "stories": {g: [s.id for s in ss] for g, ss in stories.items()},
                "themes": {t.label: t.id for t in run.themes}}


def _facilitator(users):
    return db.session.get(User, users["facilitator"].id)


def _board(shaped, users):
    """The run, the facilitator and the two proposed themes, inside the test's app context."""
    run = db.session.get(ThemeRun, shaped["run"])
    themes = {label: db.session.get(Theme, theme_id) for label, theme_id in shaped["themes"].items()}
    return run, _facilitator(users), themes["Trust"], themes["Housing and money"]


def _groups(run: ThemeRun) -> list[set]:
    """Each visible theme's stories."""
    out = []
    for theme in services.visible_themes(run):
        out.append({p.story_id for p in run.passages if p.theme_id == theme.id})
    return sorted(out, key=lambda s: min(s))


# --- fewer / more themes ---------------------------------------------------------------------

def test_more_themes_recuts_the_tree_and_keeps_peoples_decisions(app, users, shaped):
    with app.app_context():
        run = db.session.get(ThemeRun, shaped["run"])
        trust = db.session.get(Theme, shaped["themes"]["Trust"])
        services.rename_theme(trust, label="Being listened to", expected_version=None, actor=_facilitator(users))
        pinned = next(p for p in run.passages if p.theme_id == trust.id)
        services.set_pinned(pinned, True, actor=_facilitator(users))

        new = recut.recut_run(run, 1, actor=_facilitator(users))

        assert new.previous_run_id == run.id and new.settings["recut_from"] == run.id
        assert services.latest_run().id == new.id
        ids = shaped["stories"]
        assert _groups(new) == [set(ids["A"]), set(ids["B"]), set(ids["C"])]
        labels = {t.label for t in services.visible_themes(new)}
        assert "Being listened to" in labels  # the room's name, carried
        assert any(p.pinned and p.text_hash == pinned.text_hash for p in new.passages)
        assert len(new.settings["hierarchy"]["linkage"]) == 8  # the tree, kept for the next re-cut
        decision = db.session.scalar(select(ThemeDecision).where(ThemeDecision.run_id == new.id,
                                                                 ThemeDecision.action == "recut"))
        assert decision.actor_id == users["facilitator"].id and "3 themes" in decision.summary
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "theme_run.recut")) is not None
        # The old run is untouched: two themes, still viewable.
        assert len(services.visible_themes(db.session.get(ThemeRun, run.id))) == 2

        fewer = recut.recut_run(new, -1, actor=_facilitator(users))
        topics = [set(ids[g]) for g in "ABC"]
        assert len(_groups(fewer)) == 2  # two of the topics together: the next cut up the same tree
        assert all(any(t <= group for group in _groups(fewer)) for t in topics)


def test_fewer_than_two_themes_is_refused_in_plain_words(app, users, shaped):
    with app.app_context():
        run = db.session.get(ThemeRun, shaped["run"])
        with pytest.raises(services.ThemeError, match="cannot be cut into fewer themes than 2"):
            recut.recut_run(run, -1, actor=_facilitator(users))
        assert services.latest_run().id == run.id


def test_missing_vectors_are_said_not_embedded(app, users, shaped):
    with app.app_context():
        run = db.session.get(ThemeRun, shaped["run"])
        db.session.execute(db.delete(EmbeddingCache))
        db.session.commit()
        with pytest.raises(services.ThemeError, match="18 passages of this run have no stored vectors"):
            recut.recut_run(run, 1)


def test_a_withdrawn_story_is_left_out_of_the_recut(app, users, shaped):
    with app.app_context():
        gone = shaped["stories"]["A"][0]
        withdraw_consent(gone)
        new = recut.recut_run(db.session.get(ThemeRun, shaped["run"]), 1, actor=_facilitator(users))
        assert gone not in {p.story_id for p in new.passages} and gone not in new.story_ids


def test_recut_route_is_for_shapers_and_loads_no_model(app, users, shaped):
    client = app.test_client()
    sign_in(client, users["manager"].email)
    assert client.post(f"/themes/runs/{shaped['run']}/recut", data={"direction": "more"}).status_code == 403
    sign_in(client := app.test_client(), users["facilitator"].email)
    response = client.post(f"/themes/runs/{shaped['run']}/recut", data={"direction": "more"})
    assert response.status_code == 302
    with app.app_context():
        new = services.latest_run()
        assert new.id != shaped["run"] and response.headers["Location"].endswith(f"/themes/runs/{new.id}")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "3 themes from 9 stories" in page and "Fewer themes" in page


def test_the_recut_message_says_what_changed_in_plain_words(app, users, shaped):
    """No run numbers, and no "0 of people's decisions kept" when nobody had decided anything yet."""
    sign_in(client := app.test_client(), users["facilitator"].email)
    page = client.post(f"/themes/runs/{shaped['run']}/recut", data={"direction": "more"},
                       follow_redirects=True).get_data(as_text=True)
    assert "Now 3 themes from 9 stories, cut again from the same stories." in page
    assert "decisions kept" not in page and "re-cut" not in page and f"run {shaped['run']} had" not in page
    with app.app_context():
        newest = services.latest_run()
        services.rename_theme(services.visible_themes(newest)[0], label="Rent and landlords",
                              expected_version=None, actor=_facilitator(users))
    page = client.post(f"/themes/runs/{newest.id}/recut", data={"direction": "fewer"},
                       follow_redirects=True).get_data(as_text=True)
    assert "Now 2 themes from 9 stories" in page and "The 1 change people made is kept." in page


def test_the_web_process_imports_no_torch_for_the_shaping_tools():
    """The board's re-cut and ranking modules, and the engine parts they use, stay light."""
    code = ("import sys; import app; import themes.recut, themes.similar, themes.undo, themes.shaping_routes; "
            "import engines.themes.stories, engines.themes.features; "
            "heavy = [m for m in ('torch', 'sentence_transformers', 'transformers', 'spacy') if m in sys.modules]; "
            "print(heavy); sys.exit(1 if heavy else 0)")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


# --- more like this ------------------------------------------------------------------------

def test_more_like_this_proposes_passages_that_fit_the_examples(app, users, shaped):
    with app.app_context():
        run, facilitator, trust, mixed = _board(shaped, users)
        money = services.create_theme(run, label="Money", actor=facilitator)
        b_passages = [p for p in run.passages if p.story_id in shaped["stories"]["B"]]
        for p in b_passages[:2]:
            services.move_passage(p, money, actor=facilitator)
        assert similar.more_like_this(money, viewer_for(facilitator))["suggestions"] == []  # no examples yet
        for p in b_passages[:2]:
            assert similar.toggle_example(money, p, actor=facilitator) is True

        found = similar.more_like_this(money, viewer_for(facilitator))
        top = [p.id for p, _ in found["suggestions"][:4]]
        assert set(top) == {p.id for p in b_passages[2:]}  # the other money passages first
        assert trust.id not in {p.theme_id for p, _ in found["suggestions"][:4]}

        rejected, accepted = found["suggestions"][0][0], found["suggestions"][1][0]
        similar.answer(money, rejected, accept=False, actor=facilitator)
        similar.answer(money, accepted, accept=True, actor=facilitator)
        assert db.session.get(Passage, accepted.id).theme_id == money.id
        again = similar.more_like_this(money, viewer_for(facilitator))
        assert rejected.id not in {p.id for p, _ in again["suggestions"]}
        actions = set(db.session.scalars(select(ThemeDecision.action).where(ThemeDecision.run_id == run.id)))
        assert {"example_marked", "suggestion_rejected", "passage_moved"} <= actions
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "theme.suggestion_rejected"))
        assert mixed.id  # the machine's theme stays


def test_more_like_this_proposes_only_what_the_viewer_may_read_and_says_what_is_missing(app, users, shaped):
    with app.app_context():
        run, facilitator, trust, _ = _board(shaped, users)
        example = next(p for p in run.passages if p.theme_id == trust.id)
        similar.toggle_example(trust, example, actor=facilitator)
        gone = shaped["stories"]["A"][1]
        withdraw_consent(gone)
        no_vector = next(p for p in run.passages if p.story_id == shaped["stories"]["B"][0])
        db.session.execute(db.delete(EmbeddingCache).where(
            EmbeddingCache.key == text_key(clean_for_themes(no_vector.text), None)))
        db.session.commit()
        found = similar.more_like_this(trust, viewer_for(facilitator), limit=50)
        story_ids = {p.story_id for p, _ in found["suggestions"]}
        assert gone not in story_ids and no_vector.id not in {p.id for p, _ in found["suggestions"]}
        assert found["missing"] >= 1 and "no stored vectors" in found["note"]


def test_an_example_must_be_a_passage_of_the_theme(app, users, shaped):
    with app.app_context():
        run = db.session.get(ThemeRun, shaped["run"])
        trust = db.session.get(Theme, shaped["themes"]["Trust"])
        other = next(p for p in run.passages if p.theme_id != trust.id)
        with pytest.raises(services.ThemeError, match="Only a passage of this theme"):
            similar.toggle_example(trust, other)
        withdraw_consent(other.story_id)
        with pytest.raises(services.ThemeError, match="may no longer be analysed"):
            similar.answer(trust, other, accept=True)
        assert db.session.get(Passage, other.id).theme_id != trust.id


# --- undo ------------------------------------------------------------------------------------

def test_undo_reverses_the_last_merge_split_and_move_one_by_one(app, users, shaped):
    with app.app_context():
        run, facilitator, trust, mixed = _board(shaped, users)
        before = {p.id: p.theme_id for p in run.passages}
        moved = next(p for p in run.passages if p.theme_id == trust.id)
        services.move_passage(moved, mixed, actor=facilitator)
        b_ids = [p.id for p in run.passages if p.story_id in shaped["stories"]["B"]]
        part = services.split_theme(mixed, b_ids, label="Money", actor=facilitator)
        services.merge_themes(trust, part, actor=facilitator)

        assert "“Trust” is its own theme again" in undo.undo_last(run, actor=facilitator)
        assert db.session.get(Theme, trust.id).merged_into_id is None
        assert "the split of “Housing and money”" in undo.undo_last(run, actor=facilitator)
        assert db.session.get(Theme, part.id).merged_into_id == mixed.id
        assert "back in “Trust”" in undo.undo_last(run, actor=facilitator)
        db.session.expire_all()
        assert {p.id: p.theme_id for p in db.session.get(ThemeRun, run.id).passages} == before
        assert not db.session.get(Passage, moved.id).moved_by_people
        with pytest.raises(services.ThemeError, match="no merge, split or move"):
            undo.undo_last(run, actor=facilitator)
        decisions = db.session.scalars(select(ThemeDecision).where(ThemeDecision.run_id == run.id)
                                       .order_by(ThemeDecision.id)).all()
        assert [d.action for d in decisions] == ["passage_moved", "split", "merged", "undone_merged", "undone_split",
                                                 "undone_passage_moved"]  # nothing deleted
        assert [d.undoes_id for d in decisions[3:]] == [decisions[2].id, decisions[1].id, decisions[0].id]
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "theme.undone_merged"))


def test_undo_refuses_a_move_overtaken_by_a_later_one(app, users, shaped):
    with app.app_context():
        run, facilitator, trust, mixed = _board(shaped, users)
        spare = services.create_theme(run, label="Spare", actor=facilitator)
        passage = next(p for p in run.passages if p.theme_id == trust.id)
        services.move_passage(passage, mixed, actor=facilitator)
        passage.theme_id = spare.id  # changed by another way since (e.g. a carried decision)
        db.session.commit()
        with pytest.raises(services.ThemeError, match="has moved again since"):
            undo.undo_last(run, actor=facilitator)


def test_undo_button_on_the_board_says_what_was_undone(app, users, shaped):
    with app.app_context():
        run = db.session.get(ThemeRun, shaped["run"])
        services.merge_themes(db.session.get(Theme, shaped["themes"]["Trust"]),
                              db.session.get(Theme, shaped["themes"]["Housing and money"]), actor=_facilitator(users))
    client = app.test_client()
    sign_in(client, users["facilitator"].email)
    page = client.get(f"/themes/runs/{shaped['run']}").get_data(as_text=True)
    assert "Undo the last change" in page and "merged into" in page
    done = client.post(f"/themes/runs/{shaped['run']}/undo", follow_redirects=True).get_data(as_text=True)
    assert "Undone: “Trust” is its own theme again" in done


def test_the_board_finds_the_undoable_change_in_its_log_or_beyond_it(app, users, shaped):
    from themes.board import decisions

    with app.app_context():
        run, facilitator, trust, _ = _board(shaped, users)
        passage = next(p for p in run.passages if p.theme_id == trust.id)
        services.move_passage(passage, db.session.get(Theme, shaped["themes"]["Housing and money"]), actor=facilitator)
        moved = undo.last_undoable(run)
        assert undo.last_undoable(run, decisions(run)).id == moved.id
        for n in range(undo.RECENT):  # notes push the move out of the board's log
            services.add_note(trust, f"note {n}", actor=facilitator)
        assert undo.last_undoable(run, decisions(run)).id == moved.id
