"""REFI-QDA export: builds from corpus stories, validates against the vendored XSD, and catches breakage."""
from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from engines.qdpx import NS, QdpxError, build_qdpx, validate_qdpx

CORPUS = Path(__file__).resolve().parents[2] / "demo" / "dev_stories.json"
Q = {"q": NS}


@pytest.fixture
def project() -> dict:
    corpus = json.loads(CORPUS.read_text(encoding="utf-8"))
    stories = corpus["stories"][:3]
    keys = list(corpus["themes"])
    themes = [{"id": n, "label": key.replace("_", " ").title(), "description": corpus["themes"][key]}
              for n, key in enumerate(keys, start=1)]
    theme_id = {key: n for n, key in enumerate(keys, start=1)}
    segments = []
    for story in stories:
        sentence = story["text"].split(". ")[1]  # the second sentence, found by offset like a passage
        start = story["text"].index(sentence)
        segments.append({"story_id": story["id"], "start": start, "end": start + len(sentence),
                         "theme_id": theme_id[story["theme"]], "text": sentence})
    first = stories[0]["text"]
    segments.append({"story_id": stories[0]["id"], "start": 0, "end": first.index(" "), "reporter_code_id": "rc1"})
    return {
        "name": "Storyloom - test export",
        "description": "Redacted stories from the dev corpus.",
        "exported_by": {"id": "u7", "name": "Jo Facilitator"},
        "exported_at": "2025-03-10T09:30:00Z",
        "themes": themes,
        "reporter_codes": [{"id": "rc1", "name": "first words", "description": "How stories open"}],
        "stories": [{"id": s["id"], "title": f"Story {s['id']}", "role": s["role"], "text": s["text"]}
                    for s in stories],
        "segments": segments,
        "notes": [{"title": "Theme run", "text": "Run 7, six themes."}],
    }


def _rewrite_qde(source: Path, target: Path, edit) -> Path:
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for name in old.namelist():
            data = old.read(name)
            new.writestr(name, edit(data.decode("utf-8")).encode("utf-8") if name == "project.qde" else data)
    return target


def test_export_validates_against_refi_schema(project, tmp_path):
    path = build_qdpx(project, tmp_path / "export.qdpx")
    assert validate_qdpx(path) == []
    with zipfile.ZipFile(path) as archive:
        root = ET.fromstring(archive.read("project.qde"))
        sources = root.findall("q:Sources/q:TextSource", Q)
        assert len(sources) == 3
        for source in sources:
            text = archive.read("Sources/" + source.get("plainTextPath").removeprefix("internal://")).decode()
            for selection in source.findall("q:PlainTextSelection", Q):
                start, end = int(selection.get("startPosition")), int(selection.get("endPosition"))
                assert selection.get("name") == text[start:end][:60]
    codes = root.findall(".//q:Code", Q)
    reporter_parent = [c for c in codes if c.get("name") == "Reporter codes"][0]
    assert reporter_parent.get("isCodable") == "false"
    assert [c.get("name") for c in reporter_parent.findall("q:Code", Q)] == ["first words"]
    assert all(c.get("color", "").startswith("#") for c in codes)
    coded = {ref.get("targetGUID") for ref in root.iter(f"{{{NS}}}CodeRef")}
    used_codes = {(seg.get("theme_id"), seg.get("reporter_code_id")) for seg in project["segments"]}
    assert len(coded) == len(used_codes)
    assert not list(tmp_path.glob("*.partial"))


def test_guids_are_stable_across_exports(project, tmp_path):
    first = build_qdpx(project, tmp_path / "a.qdpx")
    second = build_qdpx(project, tmp_path / "b.qdpx")
    with zipfile.ZipFile(first) as a, zipfile.ZipFile(second) as b:
        assert a.read("project.qde") == b.read("project.qde")


def test_schema_violation_is_reported(project, tmp_path):
    good = build_qdpx(project, tmp_path / "good.qdpx")
    # A selection without startPosition breaks a required attribute in the XSD.
    broken = _rewrite_qde(good, tmp_path / "broken.qdpx",
                          lambda xml: xml.replace('startPosition="', 'beginAt="', 1))
    problems = validate_qdpx(broken)
    assert problems and all(p.startswith("schema:") for p in problems)


def test_element_order_violation_is_reported(project, tmp_path):
    good = build_qdpx(project, tmp_path / "good.qdpx")
    # CodeBook must come after Users; swapping the two breaks the sequence.
    def swap(xml):
        users = xml[xml.index("<Users>"):xml.index("</Users>") + len("</Users>")]
        codebook = xml[xml.index("<CodeBook>"):xml.index("</CodeBook>") + len("</CodeBook>")]
        return xml.replace(users, "\0").replace(codebook, users).replace("\0", codebook)
    assert validate_qdpx(_rewrite_qde(good, tmp_path / "order.qdpx", swap))


def test_dangling_code_reference_is_reported(project, tmp_path):
    good = build_qdpx(project, tmp_path / "good.qdpx")
    unknown = "00000000-0000-0000-0000-000000000000"
    broken = _rewrite_qde(good, tmp_path / "dangling.qdpx",
                          lambda xml: re.sub(r'<CodeRef targetGUID="[^"]+"', f'<CodeRef targetGUID="{unknown}"', xml, 1))
    assert validate_qdpx(broken) == [f"CodeRef to unknown code {unknown}"]


def test_bad_offsets_and_ambiguous_codes_are_refused(project, tmp_path):
    project["segments"].append({"story_id": "d01", "start": 5, "end": 99999, "theme_id": 1})
    project["segments"].append({"story_id": "d01", "start": 0, "end": 3, "theme_id": 1, "reporter_code_id": "rc1"})
    project["segments"].append({"story_id": "d01", "start": 0, "end": 3, "theme_id": 1, "text": "nope"})
    with pytest.raises(QdpxError) as caught:
        build_qdpx(project, tmp_path / "bad.qdpx")
    assert len(caught.value.problems) == 3
    assert not (tmp_path / "bad.qdpx").exists()
