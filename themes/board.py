"""What the theme board shows, worked out per viewer.

Consent is applied here, in the queries, every time a board is drawn: a story
whose consent is withdrawn (or that lost `analysis` consent) drops out of
every card, count, chart and quote at once, even in earlier runs. Quotes need
`quote` consent as well, and managers see text only for stories in
`manager_readable_story_ids()`.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from config import ROLE_COLOURS, STORYTELLER_GROUPS, STORYTELLERS

from extensions import db
from governance import policy
from stories.models import STORYTELLER_ROLES, Story
from themes.models import Passage, Theme, ThemeDecision, ThemeNote, ThemeRun
from themes.quotes import placed_quotes
from themes.read import final_ids, live_passage_filter, quote_text, visible_themes
from themes.services import codes_for

ROLE_ORDER = tuple(STORYTELLERS)
ROLE_SHORT = STORYTELLER_GROUPS
PASSAGES_PER_PAGE = 50
QUOTES_PER_CARD = 3


@dataclass
class Viewer:
    """What one person may see of the stories on a board."""

    analysable: set
    quotable: set
    readable: set  # stories whose passage text this viewer may read
    may_reshape: bool
    may_code: bool
    _texts: dict = field(default_factory=dict, repr=False)
    _stories: dict = field(default_factory=dict, repr=False)

    def may_read(self, story_id) -> bool:
        return story_id in self.readable

    def text(self, passage) -> str | None:
        """The passage's words as this viewer may see them now (redaction decided since the run
        applied), or None: not readable, or its words can no longer be shown."""
        if not self.may_read(passage.story_id):
            return None
        if passage.id not in self._texts:
            self._texts[passage.id] = quote_text(passage, self._stories)
        return self._texts[passage.id]

    def may_quote(self, story_id) -> bool:
        return story_id in self.quotable and story_id in self.readable

    def clip(self, passage) -> str | None:
        """The signed URL of the passage's redacted clip, where this viewer may hear it quoted."""
        if not self.may_quote(passage.story_id) or passage.start is None:
            return None
        return policy.clip_url(passage.story, passage.start, passage.end, known_quotable=True)


def viewer_for(user) -> Viewer:
    """What `user` may see of the themes now; worked out once per GET request (a page asks several times)."""
    from flask import g, has_request_context, request

    cacheable = has_request_context() and request.method == "GET"
    key = ("theme_viewer", getattr(user, "id", None))
    if cacheable and key in g.get("theme_viewers", {}):
        return g.theme_viewers[key]
    viewer = _work_out_viewer(user)
    if cacheable:
        g.theme_viewers = {**g.get("theme_viewers", {}), key: viewer}
    return viewer


def _work_out_viewer(user) -> Viewer:
    # One query: each analysable story, whether it may be quoted, whether managers may read it.
    rows = db.session.execute(select(Story.id, Story.id.in_(policy.quotable_story_ids()),
                                     Story.id.in_(policy.manager_readable_story_ids()))
                              .where(Story.id.in_(policy.analysable_story_ids()))).all()
    analysable = {row[0] for row in rows}
    g = policy.request_prefetch()
    if g is not None:
        g.analysable_ids = analysable  # policy.analysable_ids_now() asks the same
    quotable = {row[0] for row in rows if row[1]}
    if user.has_role("facilitator", "reporter", "admin"):
        readable = analysable
    else:  # managers: counts for all, words only where the storyteller agreed
        readable = {row[0] for row in rows if row[2]}
    return Viewer(analysable, quotable, readable, may_reshape=user.has_role("facilitator", "admin"),
                  may_code=user.has_role("facilitator", "reporter", "admin"))


@dataclass
class Card:
    theme: Theme
    passages: list = field(default_factory=list)  # live, on-topic passages
    story_ids: set = field(default_factory=set)
    role_counts: dict = field(default_factory=dict)  # role -> stories
    quotes: list = field(default_factory=list)
    placed: list = field(default_factory=list)  # quotes people chose and placed here (themes.quotes.show dicts)
    moved_in: int = 0
    codes: list = field(default_factory=list)  # [(Code, count)]

    @property
    def role_bars(self) -> list[dict]:
        """Segments of the prevalence-by-role bar, as SVG x/width in a 0-100 box."""
        total = sum(self.role_counts.values()) or 1
        bars, x = [], 0.0
        for role in ROLE_ORDER:
            n = self.role_counts.get(role, 0)
            if n:
                width = 100.0 * n / total
                bars.append({"role": role, "label": ROLE_SHORT[role], "n": n, "x": round(x, 2), "width": round(width, 2)})
                x += width
        return bars


# What a page needs to count and choose passages: no words (those are read for the few it shows).
LIGHT_COLUMNS = (Passage.id, Passage.story_id, Passage.theme_id, Passage.off_topic, Passage.moved_by_people,
                 Passage.pinned, Passage.representativeness, Passage.text_hash, Story.storyteller_role)


def live_passages(run: ThemeRun, viewer: Viewer, *, light: bool = False) -> list:
    """The run's passages whose stories may still be analysed (withdrawn ones never come back).
    `light`: rows of LIGHT_COLUMNS (with the story's role) rather than Passage objects."""
    if light:
        return db.session.execute(
            select(*LIGHT_COLUMNS).join(Story, Story.id == Passage.story_id)
            .where(Passage.run_id == run.id, *live_passage_filter(viewer.analysable))
            .order_by(Passage.story_id, Passage.position)).all()
    return db.session.scalars(
        select(Passage).where(Passage.run_id == run.id, *live_passage_filter(viewer.analysable))
        .order_by(Passage.story_id, Passage.position)
    ).all()


def full_passages(rows) -> list[Passage]:
    """The Passage objects (with their words) of light rows, in the same order, read in one query."""
    ids = [r.id for r in rows]
    if not ids:
        return []
    found = {p.id: p for p in db.session.scalars(select(Passage).where(Passage.id.in_(ids)))}
    return [found[i] for i in ids if i in found]


def story_roles(story_ids) -> dict:
    if not story_ids:
        return {}
    return dict(db.session.execute(select(Story.id, Story.storyteller_role).where(Story.id.in_(story_ids))).all())


def _sort_passages(cards: dict, passages, finals: dict) -> tuple[list, list]:
    """Put each passage on its theme's card; returns (off_topic, unplaced)."""
    off_topic, unplaced = [], []
    for passage in passages:
        tid = finals.get(passage.theme_id)
        if passage.off_topic:
            off_topic.append(passage)
        elif tid not in cards:
            unplaced.append(passage)
        else:
            card = cards[tid]
            card.passages.append(passage)
            card.story_ids.add(passage.story_id)
            if passage.moved_by_people:
                card.moved_in += 1
    return off_topic, unplaced


def _pick_quotes(candidates: list, viewer: Viewer, full: dict) -> list:
    """Up to QUOTES_PER_CARD quotes (and every pinned one), one per story unless pinned: several voices."""
    seen_stories, quotes = set(), []
    for p in candidates:
        p = full.get(p.id) or (db.session.get(Passage, p.id) if not isinstance(p, Passage) else p)
        if p is None or not viewer.text(p):
            continue  # its words were hidden by a later redaction decision
        if p.pinned or p.story_id not in seen_stories:
            quotes.append(p)
            seen_stories.add(p.story_id)
        if len(quotes) >= QUOTES_PER_CARD and not p.pinned:
            break
    return quotes


def build_cards(run: ThemeRun, viewer: Viewer, *, with_codes: bool = True, with_quotes: bool = True,
                light: bool = False) -> tuple[list[Card], dict]:
    """Cards of the visible themes (outliers last) and extras: {off_topic, unplaced, roles, story_ids, codes}.

    `light`: card.passages (and off_topic, unplaced) are light rows (LIGHT_COLUMNS), not Passage objects;
    the quotes are still Passage objects, read in one query."""
    themes = visible_themes(run)
    cards = {t.id: Card(theme=t) for t in themes}
    passages = live_passages(run, viewer, light=light)
    roles = {p.story_id: p.storyteller_role for p in passages} if light else story_roles({p.story_id for p in passages})
    off_topic, unplaced = _sort_passages(cards, passages, final_ids(run))
    code_map = codes_for(passages, run.id) if with_codes else {}
    placed = placed_quotes(themes, readable=viewer.readable) if with_quotes else {}
    ranked = {}
    for card in cards.values():
        candidates = [p for p in card.passages if viewer.may_quote(p.story_id)] if with_quotes else []
        # People first: pinned quotes, then quotes someone moved here, then the most representative.
        candidates.sort(key=lambda p: (not p.pinned, not p.moved_by_people, -(p.representativeness or 0.0), p.id))
        ranked[card.theme.id] = candidates
    likely = [p for c in ranked.values() for p in [x for x in c if x.pinned] + c[:QUOTES_PER_CARD * 3]]
    full = {p.id: p for p in full_passages(likely)} if light else {}
    # The texts the quotes will most likely need, read in four queries rather than three per story.
    policy.prefetch_story_texts({p.story_id for p in likely})
    for card in cards.values():
        for sid in card.story_ids:
            role = roles.get(sid, "other")
            role = role if role in ROLE_ORDER else "other"
            card.role_counts[role] = card.role_counts.get(role, 0) + 1
        card.quotes = _pick_quotes(ranked[card.theme.id], viewer, full)
        card.placed = placed.get(card.theme.id, [])
        counts: dict = {}
        for p in card.passages:
            for code in code_map.get(p.id, []):
                counts.setdefault(code.id, [code, 0])[1] += 1
        card.codes = sorted((tuple(v) for v in counts.values()), key=lambda cv: (-cv[1], cv[0].name))
    ordered = sorted(cards.values(), key=lambda c: (c.theme.is_outlier, -len(c.story_ids), c.theme.position, c.theme.id))
    extras = {"off_topic": off_topic, "unplaced": unplaced, "roles": roles, "codes": code_map,
              "story_ids": {p.story_id for p in passages}}
    return ordered, extras


def prevalence(run: ThemeRun, viewer: Viewer) -> dict:
    """Share of stories touching each theme, overall and by storyteller role.

    The digital form of the evaluation's "needs discussed" table: a story
    touches a theme when at least one of its (on-topic) passages is in it.
    """
    cards, extras = build_cards(run, viewer, with_codes=False, with_quotes=False, light=True)  # counts only
    roles = extras["roles"]
    totals = {role: 0 for role in ROLE_ORDER}
    for sid in extras["story_ids"]:
        role = roles.get(sid, "other")
        totals[role if role in ROLE_ORDER else "other"] += 1
    used_roles = [r for r in ROLE_ORDER if totals[r]]
    n_stories = len(extras["story_ids"])
    rows = []
    for card in cards:
        if card.theme.is_outlier or not card.story_ids:
            continue
        by_role = {r: card.role_counts.get(r, 0) for r in used_roles}
        rows.append({
            "theme_id": card.theme.id, "label": card.theme.label, "stories": len(card.story_ids),
            "share": len(card.story_ids) / n_stories if n_stories else 0.0,
            "by_role": {r: {"stories": by_role[r], "share": by_role[r] / totals[r] if totals[r] else 0.0}
                        for r in used_roles},
        })
    return {"rows": rows, "roles": used_roles, "role_labels": {r: ROLE_SHORT[r] for r in used_roles},
            "role_totals": {r: totals[r] for r in used_roles}, "n_stories": n_stories}


def prevalence_csv(data: dict) -> str:
    from core.csvout import csv_text

    header = ["theme", "stories", "share of all stories"] + [
        f"{data['role_labels'][r]} (of {data['role_totals'][r]})" for r in data["roles"]]
    rows = [[row["label"], row["stories"], f"{row['share']:.0%}"]
            + [f"{row['by_role'][r]['share']:.0%}" for r in data["roles"]] for row in data["rows"]]
    rows.append(["all stories", data["n_stories"], "100%"] + [data["role_totals"][r] for r in data["roles"]])
    return csv_text(header, rows)


def chart_geometry(data: dict, width: int = 760, bar_height: int = 14, gap: int = 10) -> dict:
    """Positions for the server-side SVG chart: one group per theme, one bar per role."""
    label_w, right = 230, 50
    plot_w = width - label_w - right
    roles = data["roles"]
    group_h = max(1, len(roles)) * bar_height + gap
    groups, y = [], 30
    for row in data["rows"]:
        bars = []
        for k, role in enumerate(roles):
            share = row["by_role"][role]["share"]
            bars.append({"role": role, "y": y + k * bar_height, "width": round(plot_w * share, 1),
                         "share": share, "text_x": label_w + round(plot_w * share, 1) + 4})
        groups.append({"label": row["label"], "y": y, "mid": y + (len(roles) * bar_height) / 2 + 5, "bars": bars})
        y += group_h
    return {"width": width, "height": y + 10, "label_w": label_w, "plot_w": plot_w, "groups": groups,
            "bar_height": bar_height - 2, "ticks": [{"x": label_w + plot_w * t / 4, "label": f"{25 * t}%"} for t in range(5)]}


def prevalence_png(data: dict) -> bytes:
    """The prevalence chart as a PNG (matplotlib, Agg backend: no display needed)."""
    import io

    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    colours = ROLE_COLOURS
    rows, roles = data["rows"], data["roles"]
    fig, ax = plt.subplots(figsize=(10, max(2.5, 0.5 + 0.28 * len(rows) * max(1, len(roles)))), dpi=120)
    height = 0.8 / max(1, len(roles))
    for k, role in enumerate(roles):
        ys = [i + k * height for i in range(len(rows))]
        ax.barh(ys, [100 * r["by_role"][role]["share"] for r in rows], height=height, color=colours[role],
                label=f"{data['role_labels'][role]} ({data['role_totals'][role]} stories)")
    ax.set_yticks([i + 0.4 - height / 2 for i in range(len(rows))], [r["label"] for r in rows])
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel("Share of stories that touch the theme (%)")
    ax.legend(loc="lower right", frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return buffer.getvalue()


def decisions(run: ThemeRun, limit: int = 50) -> list[ThemeDecision]:
    return db.session.scalars(
        select(ThemeDecision).where(ThemeDecision.run_id == run.id).order_by(ThemeDecision.id.desc()).limit(limit)
    ).all()


def notes(theme: Theme) -> list[ThemeNote]:
    return db.session.scalars(select(ThemeNote).where(ThemeNote.theme_id == theme.id).order_by(ThemeNote.id)).all()


def passage_page(card: Card, page: int) -> dict:
    """One page of a theme's passages (PASSAGES_PER_PAGE, in the card's order): {passages, number, pages, first}."""
    pages = max(1, -(-len(card.passages) // PASSAGES_PER_PAGE))
    number = min(max(1, page), pages)
    first = (number - 1) * PASSAGES_PER_PAGE
    return {"passages": full_passages(card.passages[first:first + PASSAGES_PER_PAGE]), "number": number,
            "pages": pages, "first": first}


def theme_page_parts(card: Card, extras: dict, page: int) -> dict:
    """What the theme page shows of a card built light: one page of passages, those set aside, their codes."""
    shown = passage_page(card, page)
    set_aside = full_passages([p for p in extras["off_topic"] if p.theme_id == card.theme.id])
    policy.prefetch_story_texts({p.story_id for p in shown["passages"] + set_aside})  # the words shown
    return {"page": shown, "set_aside": set_aside, "codes": codes_for(shown["passages"] + set_aside)}


def theme_stories(card: Card, viewer: Viewer) -> list[dict]:
    """The stories behind a theme: title only where the viewer may read the story."""
    stories = policy.prefetch_story_titles(card.story_ids)  # titles only: no story's words are read for this list
    stories = sorted(stories, key=lambda s: (s.title or "", s.id))  # titles are sealed: sorted here, not in SQL
    share = {}
    for p in card.passages:
        share[p.story_id] = share.get(p.story_id, 0) + 1
    return [{"story": s, "readable": viewer.may_read(s.id), "passages": share.get(s.id, 0),
             "role_label": STORYTELLER_ROLES.get(s.storyteller_role, s.storyteller_role)} for s in stories]
