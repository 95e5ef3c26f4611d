"""Workshop pack builder: zip contents, manifest integrity, PDF text, offline viewer, atomic failure."""
from __future__ import annotations

import json
import re
import subprocess
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pytest

from engines.packs import PackContentError, build_pack, clip_file_name, verify_pack
from engines.packs.demo import demo_content
from engines.packs.pdf import FOOTER_TEXT

CORPUS = Path(__file__).resolve().parents[2] / "demo" / "dev_stories.json"


@pytest.fixture(scope="module")
def audio_clips(tmp_path_factory) -> list[Path]:
    """Three real one-second mp3 files (ffmpeg sine tones) standing in for redacted clips."""
    folder = tmp_path_factory.mktemp("clips")
    paths = []
    for n in range(3):
        path = folder / f"source-{n}.mp3"
        subprocess.run(["ffmpeg", "-loglevel", "error", "-f", "lavfi", "-i", f"sine=frequency={300 + 100 * n}:duration=1",
                        "-b:a", "32k", str(path)], check=True)
        paths.append(path)
    return paths


@pytest.fixture
def pack_input(audio_clips):
    content, clips = demo_content(CORPUS, n_themes=3, n_stories=8, clip_paths=audio_clips, quotes_per_theme=2)
    return content, clips


@pytest.fixture
def built(pack_input, tmp_path):
    content, clips = pack_input
    progress = []
    result = build_pack(content, clips, tmp_path / "out" / "pack.zip",
                        on_progress=lambda pct, msg: progress.append((pct, msg)))
    return result, content, clips, progress


def test_zip_holds_pdf_viewer_clips_and_manifest(built):
    result, content, clips, _ = built
    with zipfile.ZipFile(result.path) as archive:
        names = set(archive.namelist())
        manifest = json.loads(archive.read("manifest.json"))
    assert {"pack.pdf", "index.html", "manifest.json"} <= names
    assert {f"clips/{name}" for name in clips} <= names and len(clips) == 3
    assert manifest["theme_run_id"] == 7
    assert manifest["story_ids"] == [s["id"] for s in content["stories"]]
    assert manifest["consent_state"] == content["consent_state"]
    assert manifest["built_at"] == content["built_at"]
    assert {f["name"] for f in manifest["files"]} == names - {"manifest.json"}
    assert {f["name"] for f in result.files} == names
    assert verify_pack(result.path) == []


def test_verify_pack_notices_a_changed_file(built, tmp_path):
    result = built[0]
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(result.path) as old, zipfile.ZipFile(tampered, "w") as new:
        for name in old.namelist():
            data = old.read(name)
            new.writestr(name, data.replace(b"Themes", b"Thames") if name == "index.html" else data)
    assert verify_pack(tampered) == ["index.html does not match its manifest hash"]


def test_progress_rises_to_100(built):
    percents = [pct for pct, _ in built[3]]
    assert percents[0] == 0 and percents[-1] == 100
    assert percents == sorted(percents)


def _pdf_text(result, tmp_path) -> tuple[str, int]:
    pdf = tmp_path / "pack.pdf"
    with zipfile.ZipFile(result.path) as archive:
        pdf.write_bytes(archive.read("pack.pdf"))
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return text, pages


def test_pdf_has_every_section_and_a_footer_on_every_page(built, tmp_path):
    result, content, clips, _ = built
    text, pages = _pdf_text(result, tmp_path)
    assert text.count(FOOTER_TEXT) == pages
    assert f"Page {pages} of {pages}" in text
    for heading in ("Agenda", "Story cards", "Questions to talk about", "What we decided", "Which stories"):
        assert heading in text
    for theme in content["themes"]:
        assert f"Theme {content['themes'].index(theme) + 1} of 3" in text
    flat = " ".join(text.split())
    assert all(name in flat for name in clips)
    assert content["workshop"]["place"] in flat and "Friday 14 March 2025" in flat


def test_viewer_is_offline_and_points_at_packed_clips(built):
    result = built[0]
    with zipfile.ZipFile(result.path) as archive:
        html = archive.read("index.html").decode("utf-8")
        names = set(archive.namelist())

    class Links(HTMLParser):
        def __init__(self):
            super().__init__()
            self.urls, self.buttons = [], 0

        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            self.urls += [attrs[key] for key in ("src", "href") if key in attrs]
            self.buttons += tag == "button"

    links = Links()
    links.feed(html)
    assert not [u for u in links.urls if re.match(r"^(https?:)?//", u)]
    audio = [u for u in links.urls if u.startswith("clips/")]
    assert audio and all(u in names for u in audio)
    assert links.buttons >= len(audio)
    data = json.loads(re.search(r"window\.PACK = (\{.*?\});</script>", html).group(1))
    assert len(data["stories"]) == 8


def test_story_text_cannot_break_out_of_the_viewer(pack_input, tmp_path):
    content, clips = pack_input
    content["stories"][0]["excerpt"] = "</script><script>alert(1)</script>"
    result = build_pack(content, clips, tmp_path / "pack.zip")
    with zipfile.ZipFile(result.path) as archive:
        html = archive.read("index.html").decode("utf-8")
    assert "<script>alert(1)" not in html
    assert html.count("<script>") == 2


def test_failed_build_leaves_nothing_behind_and_keeps_the_old_pack(pack_input, tmp_path):
    content, clips = pack_input
    target = tmp_path / "pack.zip"
    target.write_bytes(b"previous pack")

    def cancel(percent, _message):
        if percent >= 75:
            raise RuntimeError("cancelled")

    with pytest.raises(RuntimeError):
        build_pack(content, clips, target, on_progress=cancel)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pack.zip"]
    assert target.read_bytes() == b"previous pack"


def test_content_problems_are_all_reported_before_writing(pack_input, tmp_path):
    content, clips = pack_input
    del content["consent_state"][content["stories"][0]["id"]]
    content["themes"][0]["quotes"][0]["clip"] = "missing.mp3"
    clips = dict(clips, **{"../escape.mp3": next(iter(clips.values()))})
    with pytest.raises(PackContentError) as caught:
        build_pack(content, clips, tmp_path / "pack.zip")
    problems = " | ".join(caught.value.problems)
    assert "no consent recorded" in problems and "missing.mp3" in problems and "../escape.mp3" in problems
    assert list(tmp_path.iterdir()) == []


def test_required_consent_scope_is_enforced(pack_input, tmp_path):
    content, clips = pack_input
    with pytest.raises(PackContentError, match="no consent for 'publication'"):
        build_pack(content, clips, tmp_path / "pack.zip", required_scope="publication")
    assert build_pack(content, clips, tmp_path / "pack.zip", required_scope="workshop").path.exists()


def test_clip_names_are_findable():
    assert clip_file_name(2, 3, "d17") == "theme-02-quote-03-story-d17.mp3"
    assert clip_file_name(1, 1, "a/b c", ".OGG") == "theme-01-quote-01-story-a-b-c.ogg"


def test_a_workshop_with_no_date_place_purpose_or_attendees_still_builds(tmp_path):
    from engines.packs import build_pack
    from engines.packs.demo import demo_content

    content, clips = demo_content(CORPUS, n_themes=2, n_stories=4)
    content["workshop"].update({"date": None, "place": "", "purpose": "", "attendees": []})
    result = build_pack(content, clips, tmp_path / "bare.zip")
    assert result.path.exists()


def test_pdf_names_each_themes_reel_so_the_room_knows_to_play_it(pack_input, tmp_path):
    content, clips = pack_input
    reels, theme = {}, content["themes"][0]
    theme["reel"] = {kind: f"theme-01-reel{suffix}" for kind, suffix in (("audio", ".mp3"), ("captions", ".vtt"),
                                                                        ("video", ".mp4"))}
    for name in theme["reel"].values():
        reels[name] = tmp_path / name
        reels[name].write_bytes(b"reel")
    result = build_pack(content, clips, tmp_path / "out" / "pack.zip", reels=reels)
    flat = " ".join(_pdf_text(result, tmp_path)[0].split())
    assert "Theme reel: play reels/theme-01-reel.mp3" in flat
    assert "reels/theme-01-reel.mp4" in flat  # for rooms that play video
    assert flat.count("Theme reel:") == 1  # the other themes have none
