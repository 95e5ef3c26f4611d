"""REFI-QDA project export (.qdpx): redacted stories, themes and coded passages for QDA tools.

A .qdpx is a zip holding project.qde (XML, namespace urn:QDA-XML:project:1.0)
and Sources/<guid>.txt. It opens in NVivo, ATLAS.ti, MAXQDA, QualCoder and others.

Input dict for `build_qdpx(project, out_path)`:

    {
      "name": "Storyloom - Spring 2025 stories",
      "description": "optional",
      "exported_by": {"id": "u12", "name": "Jo Facilitator"},
      "exported_at": "2025-03-10T09:30:00Z",          # ISO string or datetime; default now
      "themes": [{"id": 3, "label": "Getting there", "description": "...", "color": "#1F5F8B"}],
      "reporter_codes": [{"id": 9, "name": "travel costs", "description": "..."}],
      "stories": [{"id": "d01", "title": "...", "role": "service_user",
                   "text": "redacted transcript ..."}],
      "segments": [{"story_id": "d01", "start": 0, "end": 54,        # character offsets in text
                    "theme_id": 3,                                     # or "reporter_code_id": 9
                    "text": "optional copy, checked against text[start:end]"}],
      "notes": [{"title": "Run 7 settings", "text": "..."}],          # optional
    }

Themes become top-level codes (colour kept); reporters' own codes sit under a
"Reporter codes" parent; each segment becomes a PlainTextSelection with a
Coding. Storyteller role is exported as a Text variable on each source.
Optional "speaker_turns": [{"story_id", "speaker": "reporter"|"storyteller"|"speaker N",
"start", "end"}] (character offsets) become text selections grouped into one Case per speaker.
GUIDs are derived from the ids (uuid5), so re-exporting gives stable GUIDs.
"""
from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
import uuid
import zipfile
from functools import lru_cache
from pathlib import Path
from xml.etree import ElementTree as ET

from config import PALETTE, THEME_COLOURS

NS = "urn:QDA-XML:project:1.0"
SCHEMA_PATH = Path(__file__).parent / "schemas" / "Project-mrt2019.xsd"
_GUID_NAMESPACE = uuid.UUID("6f2b7d0e-4f53-4c1e-9a57-53746f72796c")  # fixed: "Storyloom" export space
_COLOUR = re.compile(r"^#([0-9A-Fa-f]{6}|[0-9A-Fa-f]{3})$")
_DEFAULT_COLOURS = THEME_COLOURS
REPORTER_CODE_COLOUR = PALETTE["muted"].upper()


class QdpxError(ValueError):
    """The project dict cannot be exported; `problems` lists every reason."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


def guid_for(kind: str, key) -> str:
    """Stable GUID for an object of `kind` with id `key`."""
    return str(uuid.uuid5(_GUID_NAMESPACE, f"{kind}:{key}"))


def _timestamp(value) -> str:
    if value is None:
        value = dt.datetime.now(dt.timezone.utc)
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _q(tag: str) -> str:
    return f"{{{NS}}}{tag}"


def _sub(parent, tag, text=None, **attrs):
    node = ET.SubElement(parent, _q(tag), {k: str(v) for k, v in attrs.items() if v is not None})
    if text is not None:
        node.text = text
    return node


def _check(project: dict) -> list[str]:
    problems = []
    texts = {str(s.get("id")): s.get("text") or "" for s in project.get("stories") or []}
    theme_ids = {str(t.get("id")) for t in project.get("themes") or []}
    reporter_ids = {str(c.get("id")) for c in project.get("reporter_codes") or []}
    for t in project.get("themes") or []:
        if t.get("color") and not _COLOUR.match(t["color"]):
            problems.append(f"theme {t.get('id')}: colour {t['color']!r} is not #RRGGBB")
    for n, seg in enumerate(project.get("segments") or []):
        sid, start, end = str(seg.get("story_id")), seg.get("start"), seg.get("end")
        if sid not in texts:
            problems.append(f"segment {n}: story {sid!r} is not in stories")
            continue
        if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(texts[sid])):
            problems.append(f"segment {n}: offsets {start}..{end} are outside story {sid!r}")
        elif seg.get("text") is not None and texts[sid][start:end] != seg["text"]:
            problems.append(f"segment {n}: text does not match story {sid!r} at {start}..{end}")
        has_theme, has_code = seg.get("theme_id") is not None, seg.get("reporter_code_id") is not None
        if has_theme == has_code:
            problems.append(f"segment {n}: give exactly one of theme_id or reporter_code_id")
        elif has_theme and str(seg["theme_id"]) not in theme_ids:
            problems.append(f"segment {n}: theme {seg['theme_id']!r} is not in themes")
        elif has_code and str(seg["reporter_code_id"]) not in reporter_ids:
            problems.append(f"segment {n}: reporter code {seg['reporter_code_id']!r} is not in reporter_codes")
    return problems


def _codebook(root, project: dict) -> dict:
    """Themes (and the reporters' own codes, grouped) as codes; returns {(kind, id): code GUID}."""
    codes = _sub(_sub(root, "CodeBook"), "Codes")
    code_guids = {}
    for n, theme in enumerate(project.get("themes") or []):
        guid = code_guids[("theme", str(theme["id"]))] = guid_for("theme", theme["id"])
        node = _sub(codes, "Code", guid=guid, name=theme.get("label") or f"Theme {theme['id']}", isCodable="true",
                    color=(theme.get("color") or _DEFAULT_COLOURS[n % len(_DEFAULT_COLOURS)]).upper())
        if theme.get("description"):
            _sub(node, "Description", theme["description"])
    if project.get("reporter_codes"):
        parent = _sub(codes, "Code", guid=guid_for("code-group", "reporter"), name="Reporter codes",
                      isCodable="false", color=REPORTER_CODE_COLOUR)
        _sub(parent, "Description", "Codes the community reporters made themselves.")
        for code in project["reporter_codes"]:
            guid = code_guids[("reporter", str(code["id"]))] = guid_for("reporter-code", code["id"])
            node = _sub(parent, "Code", guid=guid, name=code.get("name") or f"Code {code['id']}",
                        isCodable="true", color=REPORTER_CODE_COLOUR)
            if code.get("description"):
                _sub(node, "Description", code["description"])
    return code_guids


def _selections(node, story: dict, segments: list, code_guids: dict, who: dict) -> None:
    """Each coded segment of a story as a PlainTextSelection with its Coding."""
    sid = str(story["id"])
    for n, seg in enumerate(sorted(segments, key=lambda s: (s["start"], s["end"]))):
        kind = ("theme", str(seg["theme_id"])) if seg.get("theme_id") is not None \
            else ("reporter", str(seg["reporter_code_id"]))
        key = f"{sid}:{seg['start']}:{seg['end']}:{kind[0]}:{kind[1]}:{n}"
        selection = _sub(node, "PlainTextSelection", guid=guid_for("selection", key),
                         name=(story.get("text") or "")[seg["start"]:seg["end"]][:60],
                         startPosition=seg["start"], endPosition=seg["end"], **who)
        coding = _sub(selection, "Coding", guid=guid_for("coding", key), **who)
        _sub(coding, "CodeRef", targetGUID=code_guids[kind])


def _sources(root, project: dict, code_guids: dict, role_variable: str, who: dict) -> dict[str, str]:
    """Stories as TextSources (their text in Sources/<guid>.txt); returns those files."""
    turns_by_story = _speaker_cases(root, project.get("speaker_turns") or [])
    segments_by_story: dict[str, list] = {}
    for seg in project.get("segments") or []:
        segments_by_story.setdefault(str(seg["story_id"]), []).append(seg)
    source_files = {}
    stories = project.get("stories") or []
    if not stories:
        return source_files
    sources = _sub(root, "Sources")
    for story in stories:
        sid = str(story["id"])
        guid = guid_for("story", sid)
        source_files[f"Sources/{guid}.txt"] = story.get("text") or ""
        node = _sub(sources, "TextSource", guid=guid, name=story.get("title") or f"Story {sid}",
                    plainTextPath=f"internal://{guid}.txt", **who)
        _sub(node, "Description", f"Story {sid} (redacted transcript)")
        _selections(node, story, segments_by_story.get(sid, []), code_guids, who)
        for key, turn in turns_by_story.get(sid, []):
            _sub(node, "PlainTextSelection", guid=guid_for("turn", key),
                 name=f"{turn['speaker']}: " + (story.get("text") or "")[turn["start"]:turn["end"]][:50],
                 startPosition=turn["start"], endPosition=turn["end"], **who)
        value = _sub(node, "VariableValue")
        _sub(value, "VariableRef", targetGUID=role_variable)
        _sub(value, "TextValue", story.get("role") or "other")
    return source_files


def project_xml(project: dict) -> tuple[bytes, dict[str, str]]:
    """(project.qde bytes, {Sources/<guid>.txt: text}) for a checked project dict."""
    stamp = _timestamp(project.get("exported_at"))
    user = project.get("exported_by") or {"id": "storyloom", "name": "Storyloom"}
    user_guid = guid_for("user", user.get("id"))
    who = {"creatingUser": user_guid, "creationDateTime": stamp}
    ET.register_namespace("", NS)
    root = ET.Element(_q("Project"), {"name": project.get("name") or "Storyloom export", "origin": "Storyloom",
                                      "creatingUserGUID": user_guid, "creationDateTime": stamp})
    _sub(_sub(root, "Users"), "User", guid=user_guid, name=user.get("name"), id=user.get("id"))
    code_guids = _codebook(root, project)
    role_variable = guid_for("variable", "storyteller_role")
    variable = _sub(_sub(root, "Variables"), "Variable", guid=role_variable, name="Storyteller role",
                    typeOfVariable="Text")
    _sub(variable, "Description", "Who told the story: service_user, staff, peer_mentor, partner or other.")
    source_files = _sources(root, project, code_guids, role_variable, who)
    if project.get("notes"):
        notes = _sub(root, "Notes")
        for n, note in enumerate(project["notes"]):
            node = _sub(notes, "Note", guid=guid_for("note", n), name=note.get("title") or f"Note {n + 1}", **who)
            _sub(node, "PlainTextContent", note.get("text") or "")
    if project.get("description"):
        _sub(root, "Description", project["description"])
    return ET.tostring(root, encoding="utf-8", xml_declaration=True), source_files


def _speaker_cases(root, turns: list[dict]) -> dict[str, list]:
    """One Case per speaker role (reporter, storyteller, speaker N) referring to each of its turns'
    selections; returns {story_id: [(key, turn)]} for the sources to write those selections."""
    by_story: dict[str, list] = {}
    by_speaker: dict[str, list[str]] = {}
    for n, turn in enumerate(turns):
        key = f"{turn['story_id']}:{turn['start']}:{turn['end']}:{n}"
        by_story.setdefault(str(turn["story_id"]), []).append((key, turn))
        by_speaker.setdefault(turn["speaker"], []).append(key)
    if by_speaker:
        cases = _sub(root, "Cases")
        for speaker, keys in by_speaker.items():
            case = _sub(cases, "Case", guid=guid_for("speaker-case", speaker), name=speaker.capitalize())
            _sub(case, "Description", f"Every turn spoken by the {speaker} in the exported stories.")
            for key in keys:
                _sub(case, "SelectionRef", targetGUID=guid_for("turn", key))
    return by_story


def build_qdpx(project: dict, out_path) -> Path:
    """Write a REFI-QDA .qdpx for `project` (shape in the module docstring) atomically; returns its path.

    Raises QdpxError listing every problem in the input before writing anything.
    """
    problems = _check(project)
    if problems:
        raise QdpxError(problems)
    qde, sources = project_xml(project)
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    handle, partial = tempfile.mkstemp(prefix=f".{out_path.name}.", suffix=".partial", dir=out_path.parent)
    os.close(handle)
    try:
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("project.qde", qde)
            for name, text in sources.items():
                archive.writestr(name, text.encode("utf-8"))
        os.replace(partial, out_path)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise
    return out_path


@lru_cache(maxsize=1)
def _schema():
    import xmlschema

    return xmlschema.XMLSchema(str(SCHEMA_PATH))


def validate_qdpx(path) -> list[str]:
    """Problems with a .qdpx: XSD errors in project.qde plus broken references; [] means valid."""
    problems = []
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        if "project.qde" not in names:
            return ["project.qde is missing"]
        qde = archive.read("project.qde")
        try:
            root = ET.fromstring(qde)
        except ET.ParseError as error:
            return [f"project.qde is not well-formed XML: {error}"]
        problems += [f"schema: {error.reason} at {error.path}" for error in _schema().iter_errors(root)]
        code_guids = {c.get("guid") for c in root.iter(_q("Code"))}
        for ref in root.iter(_q("CodeRef")):
            if ref.get("targetGUID") not in code_guids:
                problems.append(f"CodeRef to unknown code {ref.get('targetGUID')}")
        for source in root.iter(_q("TextSource")):
            path_attr = source.get("plainTextPath") or ""
            if not path_attr.startswith("internal://"):
                continue
            member = "Sources/" + path_attr[len("internal://"):]
            if member not in names:
                problems.append(f"{member} is referenced but missing")
                continue
            length = len(archive.read(member).decode("utf-8"))
            for selection in source.iter(_q("PlainTextSelection")):
                try:
                    start, end = int(selection.get("startPosition")), int(selection.get("endPosition"))
                except (TypeError, ValueError):
                    continue  # already reported by the schema check
                if not 0 <= start < end <= length:
                    problems.append(f"selection {selection.get('guid')} {start}..{end} is outside {member}")
    return problems
