"""The leak matrix, by ear: a spoken story with a planted name goes through the real pipeline
(Whisper types it up, the check finds the name), then every GET path that can name it (taken from
the URL map, as the matrix does) is asked as every identity, packs unzipped; every clip that comes
back is transcribed by the bundled Whisper. The name must never be heard in a clip; the original
recording goes only to those who may hear it unredacted. (tests/leaks/test_leak_matrix.py checks who
gets which clip for stories in every state; this one checks what the clips say.)"""
from __future__ import annotations

import hashlib
import io
import re
import zipfile
from datetime import date, timedelta

import pytest

from tests.conftest import _make_users, build_app, reset_schema, sign_in
from tests.leaks.test_leak_matrix import IDENTITIES, SKIP, UNREDACTED, _fill

pytestmark = pytest.mark.slow

SPOKEN = ("I waited three weeks for my first appointment. My officer {name} moved me to another office. "
          "The bus fare to the probation office was too much for me.")
NAMES = {"Marcus Reilly": r"marcus|reilly|riley|rile",  # this machine's Whisper hears it
         "Siobhan Quigley": r"siobhan|quigley|shiv|wiggl"}  # this machine's Whisper does not: the reporter retypes it
ALLOWED_WORDS = re.compile(r"appointment|office|bus|fare|waited|weeks", re.I)
COMMON = {"office", "officer", "that", "this", "with", "have", "they", "them", "then", "there", "your", "were",
          "what", "when", "will", "about", "story", "told", "called", "waiting", "travel", "thank"}
NAME_GAP = re.compile(r"(?i)\bmy offic\w*\b(.*?)(?=\s+moved\b)")
ARGUMENTS = {"story_id", "passage_id", "token", "workshop_id", "run_id", "theme_id"}


def _world(app, users, wav: bytes, name: str) -> dict:
    from accounts.models import User
    from extensions import db
    from governance import services as governance
    from governance.policy import _clip_serializer
    from stories.models import Story
    from stories.services import create_audio_story, mark_reviewed
    from themes.models import Passage, Theme, ThemeRun
    from workshops import planning

    reporter = db.session.get(User, users["reporter"].id)
    story = create_audio_story(io.BytesIO(wav), "story.wav", {"title": "Waiting", "storyteller_role": "service_user"},
                               {"scopes": ["analysis", "workshop", "quote", "manager_view"], "method": "verbal"},
                               reporter)  # inline: Whisper, then the check
    story = db.session.get(Story, story.id)
    misheard = ""
    if not any(r.kind == "name" for r in governance.redactions_for(story)):
        misheard = _reporter_fixes_the_name(story, reporter, name)  # what a reporter does when Whisper mishears it
        story = db.session.get(Story, story.id)
    found = governance.redactions_for(story)
    assert any(r.kind == "name" for r in found), (story.transcript_text, [(r.kind, r.text) for r in found])
    mark_reviewed(story, reporter)
    run = ThemeRun(status="done", story_ids=[story.id], model="test")
    db.session.add(run)
    db.session.flush()
    theme = Theme(run_id=run.id, label="Waiting and travel", position=0, keywords=[])
    db.session.add(theme)
    db.session.flush()
    passages = []
    for i, segment in enumerate(story.segments):
        passages.append(Passage(run_id=run.id, story_id=story.id, position=i, start=segment.start, end=segment.end,
                                text=segment.text.strip(), text_hash=f"{story.id}-{i}", theme_id=theme.id,
                                machine_theme_id=theme.id, pinned=True, representativeness=0.5))
    db.session.add_all(passages)
    db.session.commit()
    workshop = planning.create_workshop({
        "title": "Waiting times", "date": date.today() + timedelta(days=7), "place": "Room 2", "purpose": "",
        "attendees": [], "theme_run_id": run.id, "theme_ids": [theme.id], "story_ids": [story.id], "prompts": {}},
        actor=db.session.get(User, users["facilitator"].id))
    whole = _clip_serializer().dumps({"s": story.id, "a": 0.0, "b": float(story.duration_s)})
    return {"story_id": [story.id], "passage_id": [p.id for p in passages], "token": [whole],
            "workshop_id": [workshop.id], "run_id": [run.id], "theme_id": [theme.id],
            "transcript": story.transcript_text, "misheard": misheard}


def _reporter_fixes_the_name(story, reporter, name: str) -> str:
    """Whisper's ear differs by machine ("Marcus Riley" here, "my car slowly" on another; "Siobhan
    Quigley" is "shivering, wiggly" here): when it missed the name, the reporter retypes it through
    the editor's own service. Returns a pattern for the words Whisper typed in its place, which a
    clip must not let anyone hear either."""
    from stories import transcript

    gaps = [m.group(1) for m in map(NAME_GAP.search, (s.text for s in story.segments)) if m]
    assert gaps, story.transcript_text  # Whisper lost the whole sentence: nothing to plant the name in
    rest = set(re.findall(r"[a-z']+", NAME_GAP.sub("", story.transcript_text).lower()))
    misheard = {w for gap in gaps for w in re.findall(r"[a-z']+", gap.lower()) if len(w) > 3 and w not in rest}
    edits = [{"id": s.id, "text": NAME_GAP.sub(f"My officer {name}", s.text, count=1), "speaker": s.speaker}
             for s in story.segments if NAME_GAP.search(s.text)]
    transcript.save_transcript(story, edits, story.revision, reporter)
    return "|".join(rf"\b{re.escape(w)}\b" for w in sorted(misheard - COMMON))


def _paths(app, values: dict) -> list[str]:
    filled = {name: [(v, None) for v in values[name]] for name in ARGUMENTS}
    out = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.rule.startswith(SKIP) or not rule.arguments <= ARGUMENTS:
            continue
        if not rule.arguments:
            continue
        out += [path for path, _ in _fill(rule.rule, sorted(rule.arguments), filled)]
    return out


def _audio_in(response, path: str) -> list[tuple[str, bytes]]:
    """(where, bytes) of every sound in the answer: the body itself, or the clips inside a zip."""
    if response.status_code != 200:
        return []
    if (response.mimetype or "").startswith("audio/"):
        return [(path, response.data)]
    if response.data[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
            return [(f"{path}!{name}", archive.read(name)) for name in archive.namelist()
                    if name.endswith((".mp3", ".wav", ".m4a"))]
    return []


@pytest.mark.parametrize("name", NAMES)
def test_no_clip_on_any_path_lets_anyone_hear_the_planted_name(tmp_path_factory, name):
    from engines.transcribe import get_transcriber
    from tests.stories.conftest import speak

    folder = tmp_path_factory.mktemp("heard")
    app = build_app(folder / "data")
    reset_schema(app)
    users = _make_users(app)
    wav = speak(SPOKEN.format(name=name), folder / "planted.wav").read_bytes()
    with app.app_context():
        from tests import factories

        factories.make_user("reporter", email="other-reporter@example.org")
        values = _world(app, users, wav, name)
        paths = _paths(app, values)
    assert re.search(NAMES[name], values["transcript"], re.I), values["transcript"]  # heard, or retyped
    clients = {"anonymous": app.test_client()}
    for identity in IDENTITIES[1:]:
        clients[identity] = app.test_client()
        sign_in(clients[identity], "other-reporter@example.org" if identity == "other_reporter"
                else users[identity].email)
    assert clients["facilitator"].post(f"/workshops/{values['workshop_id'][0]}/pack").status_code in (200, 302)

    planted = re.compile("|".join(filter(None, [NAMES[name], values["misheard"]])), re.I)
    transcriber, heard, forbidden, originals = get_transcriber(), {}, [], 0
    for identity, client in clients.items():
        for path in paths:
            for where, sound in _audio_in(client.get(path), path):
                if where.endswith("/audio") or "subject-access.zip!audio/" in where:  # the original, name and all
                    originals += 1
                    if identity not in UNREDACTED:
                        forbidden.append((identity, where, "the original recording"))
                    continue
                digest = hashlib.sha256(sound).hexdigest()
                if digest not in heard:
                    clip = folder / f"{digest[:12]}.{'wav' if sound[:4] == b'RIFF' else 'mp3'}"
                    clip.write_bytes(sound)
                    heard[digest] = " ".join(s.text for s in transcriber.transcribe(clip).segments)
                if planted.search(heard[digest]):
                    forbidden.append((identity, where, heard[digest]))
    with app.app_context():
        from extensions import db

        db.engine.dispose()
    print(f"\nclips heard: {len(paths)} paths x {len(clients)} identities; {len(heard)} distinct clips transcribed, "
          f"{originals} originals served; forbidden: {len(forbidden)}\n" + "\n".join(heard.values()))
    assert not forbidden, "\n".join(map(str, forbidden))
    assert len(heard) >= 2, "no clip came back: the test would prove nothing"
    assert any(ALLOWED_WORDS.search(text) for text in heard.values()), heard  # the clips still say the rest
