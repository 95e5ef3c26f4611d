"""Benchmark: full-text search over 10,000 stories, on SQLite (FTS5) and PostgreSQL (GIN tsvector).

Builds 10,000 stories (10 segments each, sentences from the dev corpus plus a few rarer words;
one story in ten has a redacted name, so it carries a 'full' and a 'redacted' index row),
then times `search.services.search` (count + one page of 20 + snippets, with the policy's
visibility in the query) as a facilitator, a manager and an admin, over a fixed list of
queries, beside the plain way a user has without an index: read every segment the person may see
(the words are sealed under their story's key, so SQL cannot LIKE them) and match the words in Python.
Index rows are stored as the app stores them (`search.index.stored`: on PostgreSQL keyed hashes
of the lexemes, no words).
Prints median and p95 per database, and the load (`uptime`).

Run: .venv/bin/python bench/search.py [--stories 10000] [--repeat 15]
"""
from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import subprocess
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
QUERIES = ["appointment", "housing", "waited", '"first appointment"', "trust -police", "kestrel",
           "probation officer", "volunteering family", "dentist -bicycle", "workload"]


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


def timed(fn, repeat: int) -> list[float]:
    fn()  # warm
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def run(backend: str, n_stories: int, repeat: int) -> None:
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
            product, baseline = [], []
            for role, user in people.items():
                user = db.session.get(User, user.id)
                for text in QUERIES:
                    product += timed(lambda: services.search(user, text), repeat)
                    baseline += timed(lambda: scan_baseline(user, text), max(1, repeat // 5))
                    counts = (services.search(user, text).total, scan_baseline(user, text))
                    if role == "facilitator":
                        print(f"  {text!r:26} hits {counts[0]:6} (scan {counts[1]:6})")
            filtered = timed(lambda: services.search(people_user(db, people["facilitator"]), "appointment",
                                                     services.Filters(role="staff", speaker="Storyteller")), repeat)
        print(f"  product  search: median {statistics.median(product):6.1f} ms   p95 {p95(product):6.1f} ms   "
              f"({len(product)} searches)")
        print(f"  baseline scan  : median {statistics.median(baseline):6.1f} ms   p95 {p95(baseline):6.1f} ms")
        print(f"  with role+speaker filters: median {statistics.median(filtered):6.1f} ms   p95 {p95(filtered):6.1f} ms")
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        if url:
            from tests.services import drop_pg_database

            drop_pg_database(url)


def people_user(db, ref):
    from accounts.models import User

    return db.session.get(User, ref.id)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stories", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    print("load:", subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())
    for backend in (("sqlite", "postgresql") if args.backend == "both" else (args.backend,)):
        run(backend, args.stories, args.repeat)
    print("load:", subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())


if __name__ == "__main__":
    main()
