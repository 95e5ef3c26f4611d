"""Worker jobs: theme discovery over consenting stories, and the model's split of one theme."""
from __future__ import annotations

from sqlalchemy import select

from core.timeutil import utcnow
from extensions import db
from jobs.registry import handles
from jobs.runner import JobError
from themes.models import EmbeddingCache, Passage, Theme, ThemeDecision, ThemeRun


def _embed_with_cache(texts: list[str], model: str | None = None, report=None):
    """Embeddings for `texts`, reusing the EmbeddingCache; only new texts go through the model."""
    import numpy as np

    from engines.embeddings import embed_texts, model_id, text_key

    keys = [text_key(t, model) for t in texts]
    cached = {}
    unique = list(dict.fromkeys(keys))
    for start in range(0, len(unique), 500):
        for row in db.session.scalars(select(EmbeddingCache).where(EmbeddingCache.key.in_(unique[start:start + 500]))):
            cached[row.key] = np.frombuffer(row.vector, dtype="float32")
    # Shortest first: each batch holds texts of about one length, so little of it is padding.
    missing = sorted(dict.fromkeys(t for t, k in zip(texts, keys) if k not in cached), key=len)
    for start in range(0, len(missing), 128):
        batch = missing[start:start + 128]
        for text, vector in zip(batch, embed_texts(batch, model=model)):
            key = text_key(text, model)
            cached[key] = vector
            db.session.add(EmbeddingCache(key=key, model=model_id(model), vector=vector.astype("float32").tobytes()))
        db.session.commit()
        if report:
            report(20 + int(30 * min(1.0, (start + len(batch)) / max(1, len(missing)))),
                   f"Reading the passages: {start + len(batch)} of {len(missing)} new")
    return np.stack([cached[k] for k in keys]) if keys else np.zeros((0, 384), dtype="float32"), len(missing)


def _collect_passages(story_ids: list[int]):
    """Split each consenting story's redacted transcript into passages."""
    from flask import current_app

    from governance.policy import prefetch_story_texts, reading_once
    from stories.models import Story

    with_reporter = current_app.config.get("THEMES_INCLUDE_REPORTER", False)
    rows, ordered = [], sorted(story_ids)
    with reading_once():  # words, redactions and check state in a few queries per 500 stories, not three each
        for start in range(0, len(ordered), 500):
            chunk = ordered[start:start + 500]
            prefetch_story_texts(chunk)
            for story in db.session.scalars(select(Story).where(Story.id.in_(chunk)).order_by(Story.id)):
                rows += _story_passages(story, with_reporter)
    return rows


def _story_passages(story, with_reporter: bool) -> list[dict]:
    from engines.themes import split_passages
    from governance.policy import redacted_segments
    from stories.speakers import storyteller_runs
    from themes.services import text_hash

    # A story told in another language is analysed in its (redacted) English version.
    segments = story.english_segments or redacted_segments(story)
    # The reporter's questions are not the storyteller's words: each run of
    # storyteller turns is cut on its own so no passage (or clip) spans a question.
    runs = [segments] if with_reporter else storyteller_runs(segments)
    pieces = [piece for run in runs for piece in split_passages(run)]
    return [{"story_id": story.id, "role": story.storyteller_role, "position": position, "start": piece.start,
             "end": piece.end, "text": piece.text, "text_hash": text_hash(piece.text), "revision": story.revision}
            for position, piece in enumerate(pieces)]


@handles("themes.discover")
def discover(job, report):
    """Find themes over every story that may be analysed; carry people's decisions from the last run.

    Three steps, each callable on its own: choose the passages, find themes,
    write the run (which checks consent again first, so a story withdrawn
    while the model ran never lands in the run).
    """
    run = db.session.get(ThemeRun, job.params.get("run_id") or job.subject_id)
    if run is None:
        raise JobError("This theme run no longer exists.")
    rows = select_passages(run, report)
    found = find_themes(run, rows, report)
    return write_run(run, rows, found, job, report)


def select_passages(run: ThemeRun, report=None) -> list[dict]:
    """Step 1: the passages of every story that may be analysed now."""
    from governance.policy import analysable_story_ids

    report = report or (lambda percent, message="": None)
    run.status = "running"
    run.message = "Reading the stories"
    report(5, "Reading the stories")
    story_ids = list(db.session.scalars(analysable_story_ids()))
    rows = _collect_passages(story_ids)
    run.story_ids = sorted({r["story_id"] for r in rows})
    if not rows:
        raise JobError("There are no checked stories with consent for analysis yet, so there is nothing to sort.")
    report(15, f"{len(run.story_ids)} stories, {len(rows)} passages")
    return rows


def find_themes(run: ThemeRun, rows: list[dict], report=None) -> dict:
    """Step 2: embed the passages (cached) and let the engine find themes. Returns {result, n_new}."""
    from engines.themes import DEFAULT_SETTINGS, TooFewStoriesError, discover_themes

    report = report or (lambda percent, message="": None)
    settings = dict(run.settings or {})
    story_count = len({r["story_id"] for r in rows})
    # The engine says the same, but only after the model has read every passage: say it now.
    limits = {**DEFAULT_SETTINGS, **settings}
    if not run.seeds and (story_count < limits["min_total_stories"] or len(rows) < limits["min_total_passages"]):
        try:
            discover_themes([{"id": i, "story_id": r["story_id"], "text": r["text"], "role": r["role"]}
                             for i, r in enumerate(rows)], __import__("numpy").zeros((len(rows), 1)))
        except TooFewStoriesError as exc:
            raise JobError(str(exc)) from None
    model = settings.get("embedding_model")
    from engines.themes.clean import clean_for_themes

    # Placeholders ("[place]") and hesitations are not embedded: they would pull unrelated passages together.
    embeddings, n_new = _embed_with_cache([clean_for_themes(r["text"]) for r in rows], model, report)
    report(55, f"Finding themes ({n_new} new passages read)")
    engine_rows = [{"id": i, "story_id": r["story_id"], "text": r["text"], "role": r["role"]} for i, r in enumerate(rows)]
    engine_settings = {k: v for k, v in settings.items() if k not in ("min_stories",)}
    try:
        result = discover_themes(engine_rows, embeddings, seeds=run.seeds or None,
                                 min_stories=int(settings.get("min_stories", 2)), random_state=42,
                                 settings=engine_settings)
    except TooFewStoriesError as exc:
        raise JobError(str(exc)) from None
    return {"result": result, "n_new": n_new}


def _still_analysable(rows: list[dict]) -> tuple[list[dict], list[int], list[int]]:
    """The rows to keep now, the stories withdrawn or held since step 1, and the stories edited since.

    An edited story that may still be analysed is read again, so no passage holds words its
    reporter replaced while the model ran."""
    from governance.policy import analysable_story_ids
    from stories.models import Story

    db.session.commit()  # a fresh transaction: consent, holds and words may have changed in another process
    allowed = set(db.session.scalars(analysable_story_ids()))
    read_at = {r["story_id"]: r.get("revision") for r in rows}
    gone = sorted(set(read_at) - allowed)
    now = dict(db.session.execute(select(Story.id, Story.revision).where(Story.id.in_(set(read_at) & allowed))).all())
    changed = sorted(sid for sid, revision in now.items() if revision != read_at[sid])
    kept = [r for r in rows if r["story_id"] in allowed and r["story_id"] not in changed]
    if changed:
        kept = sorted(kept + _collect_passages(changed), key=lambda r: (r["story_id"], r["position"]))
    return kept, gone, changed


def _record_changes(run: ThemeRun, gone: list[int], changed: list[int]) -> None:
    from audit.services import record

    if gone:
        record("theme_run.stories_left", run, actor=None,
               summary=f"theme run {run.id}: {len(gone)} stories withdrawn while it ran were left out",
               after={"story_ids": gone})
    if changed:
        record("theme_run.stories_changed", run, actor=None,
               summary=f"theme run {run.id}: {len(changed)} stories edited while it ran were read again",
               after={"story_ids": changed})
    db.session.commit()


def _save_themes_and_passages(run: ThemeRun, rows: list[dict], result) -> None:
    """The engine's themes as Theme rows and every passage as a Passage in its theme (flushed, not committed)."""
    themes_by_key, representative = {}, {}
    for position, theme_found in enumerate(result.themes):
        theme = Theme(run_id=run.id, label=theme_found.label, machine_label=theme_found.label,
                      keywords=theme_found.keywords, origin="seed" if theme_found.seed_name else "machine",
                      seed_name=theme_found.seed_name or "", position=position, is_outlier=theme_found.is_outlier)
        if theme_found.seed_name:
            seed = next((s for s in run.seeds if s["name"] == theme_found.seed_name), {})
            theme.description = seed.get("description", "")
        db.session.add(theme)
        themes_by_key[theme_found.key] = theme
        for rank, pid in enumerate(theme_found.representative_passage_ids):
            representative[pid] = 1.0 - rank / max(1, len(theme_found.representative_passage_ids))
    db.session.flush()
    theme_ids = {key: theme.id for key, theme in themes_by_key.items()}
    _insert_passages(run.id, rows, [theme_ids.get(result.assignments.get(index) or "outliers")
                                    for index in range(len(rows))], representative)
    db.session.refresh(run)


def _insert_passages(run_id: int, rows: list[dict], theme_ids: list, representative: dict) -> None:
    """Every passage in one executemany INSERT per 1,000, each sealed under its story's key (one key lookup)."""
    from sqlalchemy import insert

    from core.sealed_columns import seal_value, story_key_ids

    keys = story_key_ids(db.session, {row["story_id"] for row in rows})
    column = Passage.__table__.c.text
    values = [{"run_id": run_id, "story_id": row["story_id"], "position": row["position"], "start": row["start"],
               "end": row["end"], "text": seal_value(column, keys[row["story_id"]], row["text"]),
               "text_hash": row["text_hash"], "theme_id": theme_id, "machine_theme_id": theme_id,
               "representativeness": representative.get(index)}
              for index, (row, theme_id) in enumerate(zip(rows, theme_ids))]
    for start in range(0, len(values), 1000):
        db.session.execute(insert(Passage.__table__), values[start:start + 1000])


def _load_passages_without_words(*run_ids: int) -> None:
    """Load the runs' passages into their `passages` collections with the sealed words left unloaded."""
    from sqlalchemy.orm import defer, selectinload

    db.session.scalars(select(ThemeRun).where(ThemeRun.id.in_(run_ids))
                       .options(selectinload(ThemeRun.passages).options(defer(Passage.text)))).all()


def write_run(run: ThemeRun, rows: list[dict], found: dict, job=None, report=None, *, attempts: int = 3) -> dict:
    """Step 3: check consent again, then save themes and passages.

    A story withdrawn (or held) since step 1 never lands: its passages are
    dropped and the themes are found again without it, so no label or keyword
    comes from its words either. A story edited since step 1 is read again.
    """
    from audit.services import record
    from themes.carry import carry_decisions

    report = report or (lambda percent, message="": None)
    run_id = run.id
    kept, gone, changed = _still_analysable(rows)
    while gone or changed:
        run = db.session.get(ThemeRun, run_id)
        _record_changes(run, gone, changed)
        if not kept:
            raise JobError("Every story was withdrawn while the themes were being found: there is nothing to sort.")
        attempts -= 1
        if attempts <= 0:
            raise JobError("Stories kept changing while the themes were being found. Try again later.")
        report(50, _meanwhile(gone, changed))
        rows = kept
        run.story_ids = sorted({r["story_id"] for r in rows})
        found = find_themes(run, rows, report)
        kept, gone, changed = _still_analysable(rows)
    run = db.session.get(ThemeRun, run_id)
    run.story_ids = sorted({r["story_id"] for r in rows})
    result, n_new = found["result"], found["n_new"]
    settings = dict(run.settings or {})
    report(85, "Saving the themes")

    _save_themes_and_passages(run, rows, result)

    previous = db.session.get(ThemeRun, run.previous_run_id) if run.previous_run_id else None
    if previous is not None and previous.status == "done":
        _load_passages_without_words(previous.id, run.id)  # carrying matches by (story, text hash)
        run.carried = carry_decisions(previous, run)
    engine_used = {k: v for k, v in result.settings.items() if k not in ("seeds",)}
    # The story tree, so "fewer / more themes" can re-cut it without re-reading the stories.
    run.settings = {**settings, **engine_used, "hierarchy": result.hierarchy}
    run.status = "done"
    run.finished_at = utcnow()
    shown = [t for t in run.themes if not t.is_outlier and t.merged_into_id is None]
    run.message = f"{len(shown)} themes from {len(run.story_ids)} stories"
    created_by = getattr(job, "created_by_id", None)
    record("theme_run.finished", run, actor=created_by and _user(created_by),
           summary=f"theme run {run.id}: {run.message}; {run.carried} people's decisions kept")
    db.session.commit()
    report(100, run.message)
    return {"run_id": run.id, "themes": len(shown), "stories": len(run.story_ids), "passages": len(rows),
            "embedded": n_new, "carried": run.carried}


def _meanwhile(gone: list[int], changed: list[int]) -> str:
    said = []
    if gone:
        said.append(f"{len(gone)} stories were withdrawn")
    if changed:
        said.append(f"{len(changed)} stories were edited")
    return " and ".join(said) + " meanwhile: finding the themes again with the stories as they are now"


def _user(user_id):
    from accounts.models import User

    return db.session.get(User, user_id)


def _discover_failed(job, error):
    run = db.session.get(ThemeRun, job.params.get("run_id") or job.subject_id)
    if run is not None:
        run.status = "failed"
        run.message = error
        run.finished_at = utcnow()


discover.on_failure = _discover_failed


@handles("themes.recluster")
def recluster(job, report):
    """Let the model split one theme into parts, as people asked."""
    from engines.themes import label_for, recluster_theme
    from governance.policy import analysable_story_ids
    from themes.read import quote_text

    cache: dict = {}

    theme = db.session.get(Theme, job.params["theme_id"])
    if theme is None or theme.merged_into_id is not None:
        raise JobError("That theme is no longer on the board.")
    allowed = set(db.session.scalars(analysable_story_ids()))
    passages = [p for p in db.session.scalars(select(Passage).where(Passage.theme_id == theme.id).order_by(Passage.id))
                if not p.off_topic and p.withdrawn_at is None and p.story_id in allowed]
    n_clusters = int(job.params.get("n_clusters", 2))
    if len(passages) < n_clusters * 2:
        raise JobError(f"“{theme.label}” has too few passages to split.")
    report(10, "Reading the passages")
    run = db.session.get(ThemeRun, theme.run_id)
    model = (run.settings or {}).get("embedding_model")
    from engines.themes.clean import clean_for_themes

    embeddings, _ = _embed_with_cache([clean_for_themes(p.text) for p in passages], model)
    report(50, "Splitting the theme")
    groups = recluster_theme([{"id": p.id, "text": p.text} for p in passages], embeddings, n_clusters=n_clusters,
                             model=model)
    by_id = {p.id: p for p in passages}
    made, parts = [], {}
    before = {str(p.id): p.moved_by_people for p in passages}
    position = max(t.position for t in run.themes) + 1
    for group in groups[1:]:  # the largest part keeps the theme
        # Labels come only from words that may still be shown (a later redaction applies).
        label, keywords = label_for([quote_text(by_id[i], cache) or "" for i in group], model=model,
                                    story_ids=[by_id[i].story_id for i in group])
        new = Theme(run_id=run.id, label=label, machine_label=label, keywords=keywords, origin="human",
                    position=position, created_by_id=job.created_by_id)
        db.session.add(new)
        db.session.flush()
        for pid in group:
            by_id[pid].theme_id = new.id
            by_id[pid].moved_by_people = True
        parts[str(new.id)] = list(group)
        made.append(new)
        position += 1
    summary = (f"the model split “{theme.label}” ({len(passages)} passages) into "
               + ", ".join(f"“{t.label}”" for t in made))
    from audit.services import record

    actor = _user(job.created_by_id) if job.created_by_id else None
    record("theme.split", theme, actor=actor, summary=summary,
           after={"new_theme_ids": [t.id for t in made]})
    db.session.add(ThemeDecision(run_id=run.id, theme_id=theme.id, action="split", summary=summary,
                                 actor_id=job.created_by_id,
                                 details={"from_id": theme.id, "parts": parts,
                                          "moved_by_people": {k: v for k, v in before.items()
                                                              if any(int(k) in g for g in parts.values())}}))
    db.session.commit()
    report(100, f"Split into {len(made) + 1} themes")
    return {"theme_id": theme.id, "new_theme_ids": [t.id for t in made]}
