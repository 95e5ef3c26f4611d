"""build_pack: content dict + redacted clips -> one workshop-pack zip, written atomically.

Zip layout:
    pack.pdf        printed handout (see pdf.py)
    index.html      offline viewer (see viewer.py)
    clips/<name>    the redacted audio clips, under the names the caller gave
    manifest.json   hashes and provenance (see manifest.py)

Everything is staged in a temp dir beside `out_zip` and the finished zip is
moved into place with os.replace, so a failed or cancelled build leaves
neither a half-written zip nor stray files behind.
"""
from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .content import normalise_content
from .manifest import MANIFEST_NAME, build_manifest, file_entry, write_manifest
from .pdf import render_pdf
from .viewer import render_viewer_html

ProgressCallback = Callable[[int, str], None]
_ALREADY_COMPRESSED = {".mp3", ".ogg", ".oga", ".opus", ".m4a"}


@dataclass
class PackResult:
    """Where the pack went and what is inside it (manifest.json included in `files`)."""

    path: Path
    files: list[dict] = field(default_factory=list)
    manifest: dict = field(default_factory=dict)


def _zip_timestamp(built_at: str) -> tuple:
    # Fixed entry times (from built_at) make the same content give the same zip bytes.
    try:
        stamp = dt.datetime.fromisoformat(built_at.replace("Z", "+00:00"))
        return (max(stamp.year, 1980), stamp.month, stamp.day, stamp.hour, stamp.minute, stamp.second)
    except (ValueError, AttributeError):
        return (1980, 1, 1, 0, 0, 0)


def _write_zip(root: Path, names: list[str], target: Path, built_at: str) -> None:
    stamp = _zip_timestamp(built_at)
    with zipfile.ZipFile(target, "w") as archive:
        for name in names:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.external_attr = 0o644 << 16
            # Audio is already compressed; deflating it again costs time for nothing.
            info.compress_type = (zipfile.ZIP_STORED if Path(name).suffix.lower() in _ALREADY_COMPRESSED
                                  else zipfile.ZIP_DEFLATED)
            with open(root / name, "rb") as source, archive.open(info, "w") as sink:
                shutil.copyfileobj(source, sink, 1 << 20)
    with open(target, "rb+") as handle:
        os.fsync(handle.fileno())


def build_pack(content: dict, clips: dict, out_zip, on_progress: ProgressCallback | None = None,
               required_scope: str | None = None, staging_prefix: str = "", reels: dict | None = None) -> PackResult:
    """Build the workshop pack zip at `out_zip` from `content` (shape: engines/packs/content.py).

    clips maps a clip file name (as used in quotes[].clip) to the path of an already
    redacted audio file. With `required_scope`, every story must carry that consent scope.
    Raises PackContentError (a ValueError) listing every problem before writing anything.
    `staging_prefix` names the scratch folder (core/scratch.py), which lists its story ids in `.stories`.
    `reels` maps a theme reel's file names (as in themes[].reel) to built files; they go under reels/.
    """
    def report(percent: int, message: str) -> None:
        if on_progress is not None:
            on_progress(int(percent), message)

    report(0, "Checking the pack content")
    checked = normalise_content(content, clips or {}, required_scope=required_scope, reels=reels)
    out_zip = Path(out_zip)
    out_zip.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=staging_prefix or ".pack-staging-", dir=out_zip.parent))
    (staging / ".stories").write_text(" ".join(str(s["id"]) for s in checked["stories"]))
    partial = out_zip.with_name(f".{out_zip.name}.{os.getpid()}.partial")
    try:
        clip_dir = staging / "clips"
        clip_dir.mkdir()
        clip_items = sorted((clips or {}).items())
        for done, (name, source) in enumerate(clip_items, start=1):
            shutil.copyfile(source, clip_dir / name)
            report(5 + 30 * done // len(clip_items), f"Copied clip {done} of {len(clip_items)}")
        (staging / "reels").mkdir()
        reel_names = sorted(reels or {})
        for name in reel_names:
            shutil.copyfile(reels[name], staging / "reels" / name)
        report(40, "Laying out the printed handout")
        render_pdf(checked, staging / "pack.pdf")
        report(75, "Writing the offline viewer")
        (staging / "index.html").write_text(render_viewer_html(checked), encoding="utf-8")
        report(85, "Recording file fingerprints")
        manifest = build_manifest(checked, staging)
        write_manifest(manifest, staging)
        report(90, "Packing the zip")
        names = (["index.html", "pack.pdf", MANIFEST_NAME] + [f"clips/{name}" for name, _ in clip_items]
                 + [f"reels/{name}" for name in reel_names])
        _write_zip(staging, names, partial, checked["built_at"])
        os.replace(partial, out_zip)
        files = manifest["files"] + [file_entry(staging, staging / MANIFEST_NAME)]
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    report(100, "Pack ready")
    return PackResult(path=out_zip, files=files, manifest=manifest)
