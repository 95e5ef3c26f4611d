"""#9 the proof: every path, as every role and anonymous, against stories in every state.

Paths come from the app's URL map (every GET route, so a new route joins by itself),
plus `export json`. Zips (packs, the REFI-QDA project, subject access) are opened and
the pack PDF read as text; clips count as heard when they come back as audio. Each
marker must appear only where the policy allows, and the allowed ones must appear
somewhere (a matrix that hid everything would prove nothing).
"""
from __future__ import annotations

import io
import json
import subprocess
import tempfile
import zipfile
from pathlib import Path

import pytest

from tests.conftest import _make_users, build_app, reset_schema, sign_in
from tests.leaks import world as W

# Slow: it builds a real pack (ffmpeg clips, a reel, the PDF) and asks ~2,000 pages; make test runs it.
pytestmark = pytest.mark.slow
IDENTITIES = ("anonymous", "reporter", "other_reporter", "facilitator", "manager", "safeguarding_lead", "admin")
UNREDACTED = {"reporter", "admin", "safeguarding_lead"}  # "reporter" is the reporter of every story here
IN_USE = {"full", "no_manager", "workshop_only", "retyped", "titled"}
# In use, but others meet only its redacted English version (W.ENGLISH_WORD): never its words as spoken
# (its marker), never a clip; nothing of it leaves the site.
ENGLISH_ONLY = "english_only"
QUOTABLE = {"full", "no_manager", "retyped", "titled"}
MANAGER_VIEW = {"full", "retyped", "titled"}
AUDIT_PATHS = ("/admin/audit",)
EXPORT_PATHS = ("/pack.zip", "/present", "/export.", ".mp3", ".wav", "/public/")
SKIP = ("/static/", "/api/v1/uploads/")
CLIP_ROUTES = ("workshops.clip", "workshops.quote_clip")  # they play only with ?v= (the story's fingerprint)


def words_allowed(identity: str, state: str, where: str) -> bool:
    """May `identity` meet the words of a story in `state` on a path of kind `where`?"""
    if state == "erased" or identity == "anonymous" or where == "audit":
        return False
    if where == "export":  # words leave the site: only `quote` consent lets them
        return state in (MANAGER_VIEW if identity == "manager" else QUOTABLE)
    if identity in UNREDACTED:
        return True
    if identity == "manager":
        return state in MANAGER_VIEW
    return state in IN_USE  # facilitators; other reporters on theme boards (analysis consent)


EXTRA = {  # marker: who may meet it (pages only; never in exports or the audit log)
    W.ENGLISH_WORD: set(IDENTITIES) - {"anonymous"},
    W.REDACTED_NAME: UNREDACTED, W.TITLE_NAME: UNREDACTED, W.NOTE_NAME: UNREDACTED,
    W.RETYPED_NAME: UNREDACTED, W.FILE_NAME: {"reporter", "admin"},
}


def hear_allowed(identity: str, state: str, path: str) -> bool:
    if identity == "anonymous" or state == "erased":
        return False
    if path.endswith("/audio"):  # the original recording
        return identity in UNREDACTED
    return state in (MANAGER_VIEW if identity == "manager" else QUOTABLE)


def _kind(path: str) -> str:
    if path.startswith(AUDIT_PATHS):
        return "audit"
    return "export" if any(e in path for e in EXPORT_PATHS) else "page"


def _texts(data: bytes, name: str = "") -> list[str]:
    """Every text inside a response: zips opened (nested too), PDFs read with pdftotext."""
    if data[:4] == b"PK\x03\x04":
        archive = zipfile.ZipFile(io.BytesIO(data))
        return [t for member in archive.namelist() for t in _texts(archive.read(member), member)]
    if data[:5] == b"%PDF-":
        with tempfile.NamedTemporaryFile(suffix=".pdf") as pdf:
            pdf.write(data)
            pdf.flush()
            return [subprocess.run(["pdftotext", "-layout", pdf.name, "-"], capture_output=True, text=True,
                                   check=True).stdout]
    return [data.decode("utf-8", errors="replace")]


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.services)])
def matrix(request, tmp_path_factory):
    overrides = {}
    if request.param == "postgresql":
        from tests.services import create_pg_database, drop_pg_database

        overrides["SQLALCHEMY_DATABASE_URI"] = url = create_pg_database()
        request.addfinalizer(lambda: drop_pg_database(url))
    app = build_app(tmp_path_factory.mktemp(f"leaks-{request.param}"), **overrides)
    reset_schema(app)
    users = _make_users(app)
    from extensions import db
    from tests import factories

    with app.app_context():
        factories.make_user("reporter", email="other-reporter@example.org")
        built = W.build(users)
    clients = {"anonymous": app.test_client()}
    for identity in IDENTITIES[1:]:
        clients[identity] = app.test_client()
        sign_in(clients[identity], "other-reporter@example.org" if identity == "other_reporter"
                else users[identity].email)
    response = clients["facilitator"].post(f"/workshops/{built['workshop_id']}/pack")
    assert response.status_code in (200, 302)
    with app.app_context():
        paths = _paths(app, built)
        export = Path(app.config["DATA_DIR"]) / "export.json"
        from core.export import write_export

        write_export(export)
        db.session.remove()
    yield app, built, clients, paths, export.read_text()
    with app.app_context():
        db.engine.dispose()


def _paths(app, built) -> list[tuple[str, str | None]]:
    """(path, state of the story it is about or None) for every GET route, every value of its arguments."""
    from extensions import db
    from governance.policy import _clip_serializer
    from evidence.reel_routes import FILES as REEL_FILES
    from jobs.models import Job
    from stories.models import Story
    from themes.models import Passage, Theme

    state_of = {sid: state for state, sid in built["stories"].items()}
    passages = db.session.scalars(db.select(Passage).order_by(Passage.id)).all()
    tokens = [(_clip_serializer().dumps({"s": sid, "a": 0.0, "b": 2.5}), state_of[sid])
              for sid in built["stories"].values() if W.STATES[state_of[sid]][1]]
    values = {
        "story_id": [(sid, state) for state, sid in built["stories"].items()],
        "passage_id": [(p.id, state_of.get(p.story_id)) for p in passages if p.position == 0],
        "token": tokens,
        "action_id": [(built["action_id"], None)], "workshop_id": [(built["workshop_id"], None)],
        "run_id": [(built["run_id"], None)],
        "theme_id": [(t, None) for t in db.session.scalars(db.select(Theme.id))],
        "job_id": [(j, None) for j in db.session.scalars(db.select(Job.id))][:5],
        "user_id": [(1, None)],
        "kind": [("pptx", None), ("docx", None)],
        "slug": [(s, None) for s in _all_of("evidence.models", "PublicPage", "slug")] or [("none", None)],
        "quote_id": [(q, state) for state, q in built["quotes"].items()],  # the erased story's quote is gone: 404
        "name": [(name, None) for name in REEL_FILES],  # a theme reel's files (none built here: 404)
    }
    assert db.session.get(Story, built["stories"]["erased"]) is None
    from governance.freshness import story_fingerprint

    versions = {state: story_fingerprint(db.session.get(Story, sid)) for state, sid in built["stories"].items()
                if state != "erased"}
    out = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.rule.startswith(SKIP):
            continue
        missing = [a for a in rule.arguments if a not in values]
        assert not missing, f"the leak matrix cannot fill {missing} of {rule.rule}: teach it"
        for filled, state in _fill(rule.rule, sorted(rule.arguments), values):
            out.append((filled, state))
            if rule.endpoint in CLIP_ROUTES and state in versions:  # present mode's clips: with the story's
                out.append((f"{filled}?v={versions[state]}", state))  # fingerprint now, as its page hands out
            if "search" in rule.endpoint:  # ask for every marker by name, in capitals: the page echoes
                out += [(f"{filled}?q={W.marker(s).upper()}", None) for s in W.STATES]  # the query, not its words
    return out


def _all_of(module: str, model: str, column: str) -> list:
    import importlib

    from extensions import db

    table = getattr(importlib.import_module(module), model)
    return list(db.session.scalars(db.select(getattr(table, column))))


def _fill(rule: str, args: list, values: dict):
    """Every combination of the arguments' values: (path, state of the story it names or None)."""
    if not args:
        yield rule, None
        return
    first, rest = args[0], args[1:]
    for value, state in values[first]:
        path = rule.replace(f"<int:{first}>", str(value)).replace(f"<{first}>", str(value))
        for filled, other in _fill(path, rest, values):
            yield filled, state or other


def test_every_marker_appears_exactly_where_the_policy_allows(matrix):
    app, built, clients, paths, export = matrix
    body_markers = {W.marker(state): state for state in W.STATES}
    forbidden, seen, checked, heard, heard_paths = [], set(), 0, 0, set()
    for identity, client in clients.items():
        bodies = [(path, state, client.get(path)) for path, state in paths]
        if identity == "admin":
            bodies.append(("flask export json", None, None))
        for path, state, response in bodies:
            kind = _kind(path)
            if response is None:
                data, mimetype, status = export.encode(), "application/json", 200
            else:
                data, mimetype, status = response.data, response.mimetype or "", response.status_code
            if status == 200 and mimetype.startswith("audio/") and path.split("?")[0].endswith((".mp3", "/audio")):
                heard += 1
                heard_paths.add((identity, path.split("?")[0].rsplit("/", 1)[0]))
                if not hear_allowed(identity, state, path):
                    forbidden.append((identity, path, f"audio of a {state} story"))
                continue
            text = "\n".join(_texts(data))
            for word, marked_state in body_markers.items():
                checked += 1
                if word in text:
                    seen.add((identity, word, kind))
                    if not words_allowed(identity, marked_state, kind):
                        forbidden.append((identity, path, word))
            for word, who in EXTRA.items():
                checked += 1
                if word in text:
                    seen.add((identity, word, kind))
                    if kind != "page" or identity not in who:
                        forbidden.append((identity, path, word))
    print(f"\nleak matrix [{app.config['SQLALCHEMY_DATABASE_URI'].split(':')[0]}]: {len(paths)} paths x "
          f"{len(clients)} identities x {len(W.STATES)} story states; {checked} marker checks, {heard} clips heard; "
          f"forbidden appearances: {len(forbidden)}")
    assert not forbidden, "\n".join(map(str, forbidden))
    # What the policy allows does reach people (hiding everything would also pass the check above).
    for state in W.STATES.keys() - {"erased"}:
        assert ("reporter", W.marker(state), "page") in seen, state
    for identity, state, kind in [("facilitator", "full", "page"), ("facilitator", "workshop_only", "page"),
                                  ("facilitator", "full", "export"), ("manager", "full", "page"),
                                  ("other_reporter", "full", "page")]:
        assert (identity, W.marker(state), kind) in seen, (identity, state, kind)
    for identity in ("facilitator", "manager"):  # a story waiting for its check is read in English
        assert (identity, W.ENGLISH_WORD, "page") in seen, identity
    for identity in ("facilitator", "manager"):  # present mode's clips play, a chosen quote's own one too
        assert {(identity, "/workshops/clips"), (identity, "/workshops/clips/quotes")} <= heard_paths, identity
    for word in (W.REDACTED_NAME, W.TITLE_NAME, W.NOTE_NAME, W.FILE_NAME, W.RETYPED_NAME):
        assert ("admin", word, "page") in seen, word
