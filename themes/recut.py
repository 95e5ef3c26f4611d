"""“Fewer / more themes”: cut the run's story tree again, at once, keeping people's decisions.

Discovery keeps its story tree in `run.settings["hierarchy"]` (engines/themes/stories.py). A re-cut
reads only what the run already holds: its passages and their cached embeddings (EmbeddingCache;
nothing is embedded, no story is read again, no model is loaded: numpy and scipy only). When the
run holds no usable tree (the v2 pipeline, a seeded run) the tree is built here from the cached
vectors, the same way discovery builds it. The re-cut is a new finished run beside the old one
(`settings["recut_from"]`): seed themes and the outlier bin keep their passages, the machine's own
themes are replaced by the cut's groups, and `themes/carry.py` carries people's decisions (names,
merges, hand-made themes, moved, pinned and off-topic passages) into it, as after any run.
"""
from __future__ import annotations

from collections import Counter

from audit.services import record
from core.timeutil import utcnow
from extensions import db
from themes.models import Passage, Theme, ThemeDecision, ThemeRun
from themes.services import ThemeError, latest_run
from themes.vectors import cached_vectors


def _cuttable(run: ThemeRun, passages) -> tuple[list, dict]:
    """(passages the cut places: those the machine put in one of its own themes, {theme id: Theme})."""
    themes = {t.id: t for t in run.themes}
    own = {tid for tid, t in themes.items() if t.origin == "machine" and not t.is_outlier}
    return [p for p in passages if p.machine_theme_id in own], themes


def _tree(run: ThemeRun, stories, order: list):
    from engines.themes.stories import build_hierarchy

    import numpy as np

    stored = (run.settings or {}).get("hierarchy") or {}
    linkage = stored.get("linkage") or []
    if stored.get("stories") == order and len(linkage) == len(order) - 1:
        return np.asarray(linkage, dtype="float64")
    return build_hierarchy(stories)


def _groups_at(tree, stories, k: int, min_stories: int):
    """Story groups of the cut at k; groups under `min_stories` join the nearest larger group."""
    import numpy as np

    from engines.themes.features import normalise_rows
    from engines.themes.stories import cut

    labels = cut(tree, stories.shape[0], k)
    sizes = Counter(labels.tolist())
    big = sorted(g for g, n in sizes.items() if n >= min_stories) or [max(sizes, key=sizes.get)]
    centroids = normalise_rows(np.stack([stories[labels == g].mean(axis=0) for g in big]))
    for row in np.flatnonzero(~np.isin(labels, big)):
        labels[row] = big[int((centroids @ stories[row]).argmax())]
    return labels, len(big)


def choose_cut(tree, stories, now: int, direction: int, min_stories: int) -> tuple | None:
    """(k, labels, count): the nearest cut with more (direction 1) or fewer (-1) themes than `now`."""
    n = stories.shape[0]
    options = {}
    for k in range(2, n + 1):
        labels, count = _groups_at(tree, stories, k, min_stories)
        if count >= 2 and (count - now) * direction > 0 and count not in options:
            options[count] = (k, labels, count)
    if not options:
        return None
    return options[min(options) if direction > 0 else max(options)]


def recut_run(run: ThemeRun, direction: int, *, actor=None) -> ThemeRun:
    """A new run with one theme more (direction 1) or fewer (-1), people's decisions carried; committed."""
    from governance.policy import analysable_ids_now

    plan = _plan(run, int(direction), analysable_ids_now())
    new = _write(run, plan, actor)
    word = "more" if direction > 0 else "fewer"
    summary = f"cut again into {plan['count']} themes ({word} themes; there were {plan['now']})"
    record("theme_run.recut", new, actor=actor, summary=summary,
           after={"from_run": run.id, "k": plan["k"], "themes": plan["count"], "carried": new.carried})
    db.session.add(ThemeDecision(run_id=new.id, action="recut", summary=summary, actor_id=getattr(actor, "id", None),
                                 details={"from_run": run.id, "k": plan["k"], "direction": int(direction)}))
    db.session.commit()
    return new


def _plan(run: ThemeRun, direction: int, allowed: set) -> dict:
    import numpy as np

    from engines.themes.features import centre
    from engines.themes.stories import story_matrix

    if run.status != "done" or run != latest_run():
        raise ThemeError("Only the newest finished run can be re-cut: open the latest board.")
    if direction not in (1, -1):
        raise ThemeError("Ask for fewer or more themes.")
    live = [p for p in run.passages if p.withdrawn_at is None and p.story_id in allowed]
    cuttable, themes = _cuttable(run, live)
    vectors = cached_vectors(run, cuttable)
    missing = len([p for p in cuttable if p.id not in vectors])
    if missing:
        raise ThemeError(f"{missing} passages of this run have no stored vectors, so it cannot be re-cut here. "
                         "Find the themes again instead (that reads them once).")
    now = len({p.machine_theme_id for p in cuttable})
    if len({p.story_id for p in cuttable}) < 3:
        raise ThemeError("There are too few stories in the computer's themes to cut them differently.")
    matrix = np.stack([vectors[p.id] for p in cuttable])
    stories, order, _ = story_matrix(centre(matrix, matrix.mean(axis=0)), [p.story_id for p in cuttable])
    tree = _tree(run, stories, order)
    min_stories = int((run.settings or {}).get("min_stories", 2))
    chosen = choose_cut(tree, stories, now, direction, min_stories)
    if chosen is None:
        raise ThemeError(f"The stories cannot be cut into {'more' if direction > 0 else 'fewer'} themes than {now} "
                         f"(each theme draws on at least {min_stories} stories).")
    k, labels, count = chosen
    return {"live": live, "themes": themes, "group_of": dict(zip(order, labels.tolist())), "k": k, "count": count,
            "now": now, "order": order, "tree": tree.tolist(),
            "cuttable": {p.id for p in cuttable}}


def _group_themes(new: ThemeRun, plan: dict) -> dict:
    """One machine theme per group, named after the old machine theme most of its passages came from."""
    sources: dict = {}
    for p in plan["live"]:
        if p.id in plan["cuttable"]:
            sources.setdefault(plan["group_of"][p.story_id], Counter())[p.machine_theme_id] += 1
    taken, made = set(), {}
    for position, group in enumerate(sorted(sources, key=lambda g: -sum(sources[g].values()))):
        ranked = [tid for tid, _ in sources[group].most_common()]
        free = [tid for tid in ranked if tid not in taken]
        old = plan["themes"][free[0] if free else ranked[0]]
        taken.add(old.id)
        label = old.machine_label or old.label if free else f"Part of {old.machine_label or old.label}"
        keywords = list(dict.fromkeys(w for tid in ranked for w in (plan["themes"][tid].keywords or [])))[:10]
        made[group] = Theme(run_id=new.id, label=label[:200], machine_label=label[:200], keywords=keywords,
                            origin="machine", position=position)
    return made


def _write(run: ThemeRun, plan: dict, actor) -> ThemeRun:
    from themes.carry import carry_decisions

    settings = {**(run.settings or {}), "recut_from": run.id, "n_themes": plan["count"],
                "hierarchy": {"stories": plan["order"], "linkage": plan["tree"], "k": plan["k"]}}
    new = ThemeRun(status="done", created_by_id=getattr(actor, "id", None), story_ids=sorted({p.story_id for p in plan["live"]}),
                   seeds=run.seeds, settings=settings, model=run.model, previous_run_id=run.id, finished_at=utcnow())
    db.session.add(new)
    db.session.flush()
    made = _group_themes(new, plan)
    kept = {}
    for old in run.themes:  # seed themes and the outlier bin stay as the machine proposed them
        if old.origin == "seed" or old.is_outlier:
            kept[old.id] = Theme(run_id=new.id, label=old.machine_label or old.label, machine_label=old.machine_label,
                                 keywords=old.keywords, origin=old.origin, seed_name=old.seed_name,
                                 description=old.description if old.origin == "seed" else "",
                                 position=len(made) + len(kept), is_outlier=old.is_outlier)
    db.session.add_all(list(made.values()) + list(kept.values()))
    db.session.flush()
    for p in plan["live"]:
        theme = made[plan["group_of"][p.story_id]] if p.id in plan["cuttable"] else kept.get(p.machine_theme_id)
        tid = theme.id if theme is not None else None
        db.session.add(Passage(run_id=new.id, story_id=p.story_id, position=p.position, start=p.start, end=p.end,
                               text=p.text, text_hash=p.text_hash, theme_id=tid, machine_theme_id=tid,
                               representativeness=p.representativeness))
    db.session.flush()
    db.session.refresh(new)
    new.carried = carry_decisions(run, new)
    shown = [t for t in new.themes if not t.is_outlier and t.merged_into_id is None]
    new.message = f"{len(shown)} themes from {len(new.story_ids)} stories, cut again from the same stories"
    return new
