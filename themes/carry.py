"""Carry people's decisions from one run into the next.

A passage is the same passage in two runs when its story and words are the
same (story_id, text_hash). A theme of the new run takes over a theme of the
previous run when most of its passages sat in that theme *after* people
reshaped it. Then:

- a name or description people gave it is kept (the machine's own name stays
  beside it as `machine_label`);
- two new themes that both land on a theme people had made by merging are
  merged again;
- hand-made themes (made by hand or split off) are made again;
- passages people moved go to the matching theme; pinned and off-topic marks
  are kept.
"""
from __future__ import annotations

from collections import defaultdict

from extensions import db
from themes.models import Theme, ThemeDecision, ThemeRun
from themes.read import final_theme_id as _final

MIN_OVERLAP = 0.5  # share of a new theme's passages that must come from one old theme


def _key(passage) -> tuple:
    """A passage's identity across runs: its story and the hash of its words."""
    return (passage.story_id, passage.text_hash)


def _claims(previous: ThemeRun, run: ThemeRun, old_themes: dict) -> dict:
    """{old final theme id: [(overlap, new theme)]}: which new themes continue which old ones."""
    members = defaultdict(set)
    for p in previous.passages:
        if p.theme_id is not None and not p.off_topic:
            members[_final(old_themes, p.theme_id)].add(_key(p))
    new_members = defaultdict(set)
    for p in run.passages:
        if p.theme_id is not None:
            new_members[p.theme_id].add(_key(p))
    claims = defaultdict(list)
    for theme in run.themes:
        if theme.is_outlier or not new_members[theme.id]:
            continue
        if theme.seed_name:
            same_seed = [t for t in old_themes.values() if t.seed_name == theme.seed_name and t.merged_into_id is None]
            if same_seed:
                claims[same_seed[0].id].append((len(new_members[theme.id]) + 10**6, theme))
                continue
        scores = {tid: len(new_members[theme.id] & keys) for tid, keys in members.items()}
        if not scores:
            continue
        best = max(scores, key=lambda tid: (scores[tid], -tid))
        if scores[best] >= MIN_OVERLAP * len(new_members[theme.id]) and not old_themes[best].is_outlier:
            claims[best].append((scores[best], theme))
    return claims


def _apply_claims(run: ThemeRun, claims: dict, old_themes: dict) -> tuple[int, dict]:
    """Carry names, descriptions and merges to the claiming themes; returns (carried, {old id: new theme})."""
    merge_targets = {_final(old_themes, t.merged_into_id) for t in old_themes.values() if t.merged_into_id}
    carried, mapping = 0, {}
    for old_id, group in claims.items():
        group.sort(key=lambda pair: (-pair[0], pair[1].id))
        primary = group[0][1]
        old = old_themes[old_id]
        mapping[old_id] = primary
        primary.carried_from_id = old_id
        if old.renamed_by_people and old.label != primary.label:
            primary.label = old.label
            primary.renamed_by_people = True
            carried += 1
            _note(run, primary, "renamed", f"kept the name people chose: “{old.label}” "
                                           f"(the machine proposed “{primary.machine_label}”)")
        if old.description and not primary.description:
            primary.description = old.description
        if old_id in merge_targets and len(group) > 1:
            for _, other in group[1:]:
                for p in run.passages:
                    if p.theme_id == other.id:
                        p.theme_id = primary.id
                other.merged_into_id = primary.id
                carried += 1
                _note(run, primary, "merged", f"kept the merge people made: “{other.machine_label}” "
                                              f"is part of “{primary.label}”")
    return carried, mapping


def _carry_human_themes(run: ThemeRun, old_themes: dict, mapping: dict) -> int:
    """Themes people made that no new theme continues are made again (added to `mapping`)."""
    carried = 0
    position = max([t.position for t in run.themes] + [0])
    for old_id, old in old_themes.items():
        if old.origin != "human" or old.merged_into_id is not None or old_id in mapping:
            continue
        position += 1
        theme = Theme(run_id=run.id, label=old.label, machine_label="", description=old.description,
                      origin="human", position=position, renamed_by_people=True, carried_from_id=old_id,
                      created_by_id=old.created_by_id)
        db.session.add(theme)
        run.themes.append(theme)
        db.session.flush()
        mapping[old_id] = theme
        carried += 1
        _note(run, theme, "created", f"kept the theme people made: “{old.label}”")
    return carried


def _carry_passages(previous: ThemeRun, run: ThemeRun, old_themes: dict, mapping: dict) -> int:
    """Passages people moved, pinned or set off-topic stay so; returns how many."""
    new_by_key = {_key(p): p for p in run.passages}
    moved = pinned = off = 0
    for old_p in previous.passages:
        new_p = new_by_key.get(_key(old_p))
        if new_p is None or old_p.withdrawn_at is not None:
            continue
        if old_p.moved_by_people and old_p.theme_id is not None:
            target = mapping.get(_final(old_themes, old_p.theme_id))
            if target is not None and target.id != new_p.theme_id:
                new_p.theme_id = target.id
                new_p.moved_by_people = target.id != new_p.machine_theme_id
                moved += 1
        if old_p.pinned and not new_p.pinned:
            new_p.pinned = True
            pinned += 1
        if old_p.off_topic and not new_p.off_topic:
            new_p.off_topic = True
            off += 1
    if moved or pinned or off:
        _note(run, None, "carried", f"kept {moved} moved, {pinned} pinned and {off} off-topic passages "
                                    f"from run {previous.id}")
    return moved + pinned + off


def carry_decisions(previous: ThemeRun, run: ThemeRun) -> int:
    """Apply `previous`'s human decisions to `run` (not committed); returns how many were carried."""
    old_themes = {t.id: t for t in previous.themes}
    carried, mapping = _apply_claims(run, _claims(previous, run, old_themes), old_themes)
    carried += _carry_human_themes(run, old_themes, mapping)
    return carried + _carry_passages(previous, run, old_themes, mapping)


def _note(run: ThemeRun, theme: Theme | None, action: str, summary: str) -> None:
    db.session.add(ThemeDecision(run_id=run.id, theme_id=getattr(theme, "id", None), action=f"carried_{action}",
                                 summary=summary, reason=""))
