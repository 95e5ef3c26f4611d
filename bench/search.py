"""Benchmark: full-text search over 10,000 stories, on SQLite (FTS5) and PostgreSQL (GIN tsvector).

Builds 10,000 stories (10 segments each, sentences from the dev corpus plus a few rarer words;
one story in ten has a redacted name, so it carries a 'full' and a 'redacted' index row),
then times `search.services.search` (count + one page of 20 + snippets, with the policy's
visibility in the query) as a facilitator, a manager and an admin, over a fixed list of
queries, beside the plain way a user has without an index: read every segment the person may see
(the words are sealed under their story's key, so SQL cannot LIKE them) and match the words in Python.
Index rows are stored as the app stores them (`search.index.stored`: on PostgreSQL keyed hashes
of the lexemes, no words).
Runs the timings 3 times (--rounds) and prints, per database and query kind, the median over the runs
of each run's p50 and p95, for the search and for the plain scan, with the load average (os.getloadavg)
at the start of the first run.

Run: .venv/bin/python bench/search.py [--stories 10000] [--repeat 5] [--rounds 3] [--backend both]
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sqlalchemy import insert, select  # noqa: E402

CORPUS = REPO / "demo" / "dev_stories.json"
RARE = ["kestrel", "allotment", "tribunal", "dentist", "bicycle", "choir", "forklift", "laundrette"]
ROLES = ["service_user", "staff", "peer_mentor", "partner", "other"]
FILTERED = "word+filters"
KINDS = {  # query kind: its queries
    "one word": ["appointment", "housing", "waited", "workload"],
    "rare word": ["kestrel"],
    "two words": ["probation officer", "volunteering family"],
    "phrase": ['"first appointment"'],
    "-exclude": ["trust -police", "dentist -bicycle"],
    FILTERED: ["appointment"],  # with role and speaker filters
}
QUERIES = [q for kind, queries in KINDS.items() if kind != FILTERED for q in queries]


def sentences() -> list[str]:
    stories = json.loads(CORPUS.read_text(encoding="utf-8"))["stories"]
    found = [s.strip() for story in stories for s in re.split(r"(?<=[.!?])\s+", story["text"]) if len(s.split()) > 4]
    return found


def populate(app, n_stories: int) -> None:
    from extensions import db
    from search.index import stored
    from search.lexemes import search_key
    from core.sealed_columns import keyed
    from core.shred import create_key
    from search.models import SearchEntry
    from stories.models import ConsentRecord, ConsentScope, Segment, Story
    from tests import factories

    rng = random.Random(13)
    lines = sentences()
    with app.app_context():
        reporter = factories.make_user("reporter", email="bench-reporter@example.org")
        key = search_key()
        stories, consents, scopes, segments, entries = [], [], [], [], []
        for sid in range(1, n_stories + 1):
            key_id = create_key()  # story words are sealed under a key of the story's own (core/shred.py)
            stories.append({"id": sid, "title": keyed(f"Story {sid}", key_id), "reporter_id": reporter.id,
                            "status": "ready", "storyteller_role": ROLES[sid % len(ROLES)], "source_kind": "audio",
                            "language": "en", "key_id": key_id,
                            **{c: keyed("", key_id) for c in ("storyteller_name", "source_filename", "notes")}})
            consents.append({"id": sid, "story_id": sid, "method": "signed_form",
                             **{c: keyed("", key_id) for c in ("notes", "withdrawal_requested_by", "withdrawal_reason")}})
            wanted = ["analysis", "workshop", "quote"] + (["manager_view"] if sid % 3 else [])
            scopes += [{"consent_id": sid, "scope": s} for s in wanted]
            t = 0.0
            for position in range(10):
                text = rng.choice(lines)
                if rng.random() < 0.05:
                    text += f" I mentioned the {rng.choice(RARE)} too."
                seg_id = (sid - 1) * 10 + position + 1
                segments.append({"id": seg_id, "story_id": sid, "position": position, "start": t, "end": t + 6.0,
                                 "text": keyed(text, key_id), "words": keyed([], key_id),
                                 "speaker": "Storyteller" if position % 2 else "Reporter"})
                common = {"story_id": sid, "segment_id": seg_id, "position": position, "start": t, "end": t + 6.0,
                          "speaker": segments[-1]["speaker"]}
                if sid % 10 == 0 and position == 0:
                    entries.append({**common, "audience": "full", "text": text + " Darren Pike said so."})
                    entries.append({**common, "audience": "redacted", "text": text + " [name] said so."})
                else:
                    entries.append({**common, "audience": "all", "text": text})
                t += 6.0
        entries = [row for i in range(0, len(entries), 5000) for row in stored(db.session, entries[i:i + 5000], key)]
        for model, rows in ((Story, stories), (ConsentRecord, consents), (ConsentScope, scopes),
                            (Segment, segments), (SearchEntry, entries)):
            for i in range(0, len(rows), 5000):
                db.session.execute(insert(model), rows[i:i + 5000])
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            db.session.execute(db.text("ANALYZE"))
            db.session.commit()
        print(f"  {len(stories)} stories, {len(segments)} segments, {len(entries)} index rows")


def scan_baseline(user, text: str, per_page: int = 20) -> int:
    """The plain way without an index: every segment the person may see, opened, the words matched in Python
    (same visibility, same count and first page)."""
    from extensions import db
    from search.models import SearchEntry
    from search.query import parse
    from search.services import visibility_clause
    from stories.models import Segment, Story

    parsed = parse(text)
    wanted = [w.lower() for w in parsed.words()]
    unwanted = [w.lower() for w in parsed.exclude]
    source = (SearchEntry.__table__.join(Story.__table__, Story.id == SearchEntry.story_id)
              .join(Segment.__table__, Segment.id == SearchEntry.segment_id))
    rows = db.session.execute(select(SearchEntry.story_id, SearchEntry.position, Segment.text).select_from(source)
                              .where(visibility_clause(user))).all()
    hits = [r for r in rows if all(w in r.text.lower() for w in wanted) and not any(w in r.text.lower() for w in unwanted)]
    sorted(hits, key=lambda r: (r.story_id, r.position))[:per_page]
    return len(hits)


def timed(fn, repeat: int, warm: bool = True) -> list[float]:
    if warm:
        fn()
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def load() -> str:
    return "/".join(f"{x:.2f}" for x in os.getloadavg())


def one_round(people: dict, repeat: int) -> dict:
    """One run: {kind: (search times, scan times)} (ms): the search over every role and query of the kind,
    `repeat` times each; the plain scan (slow) once per role, for the kind's first query."""
    from search import services

    out = {}
    for kind, queries in KINDS.items():
        product, baseline = [], []
        for user in people.values():
            for text in queries:
                filters = services.Filters(role="staff", speaker="Storyteller") if kind == FILTERED else None
                product += timed(lambda: services.search(user, text, filters) if filters else services.search(user, text),
                                 repeat)
                if kind != FILTERED and text == queries[0]:  # the plain scan (no filters): once, a second a scan
                    baseline += timed(lambda: scan_baseline(user, text), 1, warm=False)
        out[kind] = (product, baseline)
    return out


def summarise(rounds: list[dict]) -> list[tuple]:
    """Per kind: the median over the rounds of each round's p50 and p95, for the search and the plain scan."""
    rows = []
    for kind in KINDS:
        cells = []
        for which in (0, 1):
            runs = [r[kind][which] for r in rounds if r[kind][which]]
            cells += [statistics.median(statistics.median(t) for t in runs) if runs else None,
                      statistics.median(p95(t) for t in runs) if runs else None]
        rows.append((kind, *cells))
    return rows


def run(backend: str, n_stories: int, repeat: int, rounds: int) -> list[tuple]:
    from accounts.models import User
    from extensions import db
    from search import services
    from tests import factories
    from tests.conftest import build_app, reset_schema

    overrides, url = {}, None
    if backend == "postgresql":
        from tests.services import create_pg_database

        url = create_pg_database()
        overrides["SQLALCHEMY_DATABASE_URI"] = url
    app = build_app(Path(tempfile.mkdtemp(prefix="bench-search-")), **overrides)
    reset_schema(app)
    print(f"\n{backend}:")
    t0 = time.perf_counter()
    populate(app, n_stories)
    print(f"  built in {time.perf_counter() - t0:.1f} s")
    try:
        with app.app_context():
            people = {role: factories.make_user(role) for role in ("facilitator", "manager", "admin")}
            people = {role: db.session.get(User, user.id) for role, user in people.items()}
            for text in QUERIES:
                counts = (services.search(people["facilitator"], text).total, scan_baseline(people["facilitator"], text))
                print(f"  {text!r:26} hits {counts[0]:6} (scan {counts[1]:6})")
            results, loads = [], []
            for n in range(rounds):
                loads.append(load())
                results.append(one_round(people, repeat))
                print(f"  run {n + 1} of {rounds} done (load at its start {loads[-1]})")
        return [(backend, *row, loads[0]) for row in summarise(results)]
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        if url:
            from tests.services import drop_pg_database

            drop_pg_database(url)


def table(rows: list[tuple], rounds: int) -> None:
    def ms(v):
        return f"{v:8.1f}" if v is not None else "       -"

    print(f"\nmedian of {rounds} runs (ms). search: each run's p50 and p95 over 3 roles x the kind's queries; "
          "scan: over 3 roles, the kind's first query")
    print(f"{'database':10} {'query kind':14} {'search p50':>10} {'search p95':>10} {'scan p50':>10} {'scan p95':>10}  load 1/5/15 min")
    for backend, kind, a, b, c, d, at in rows:
        print(f"{backend:10} {kind:14} {ms(a):>10} {ms(b):>10} {ms(c):>10} {ms(d):>10}  {at}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stories", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5, help="times each query is searched per role and run")
    parser.add_argument("--rounds", type=int, default=3, help="runs; the table shows the median of their p50/p95")
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    print("load at start (1/5/15 min):", load())
    rows = []
    for backend in (("sqlite", "postgresql") if args.backend == "both" else (args.backend,)):
        rows += run(backend, args.stories, args.repeat, args.rounds)
    table(rows, args.rounds)
    print("load at end (1/5/15 min):", load())


if __name__ == "__main__":
    main()
