"""manifest.json: what is in a pack, and what it was built from.

    {
      "format": "storyloom-workshop-pack", "format_version": 1,
      "workshop_id": 12, "workshop_title": "...", "theme_run_id": 7,
      "story_ids": ["d01", ...], "consent_state": {"d01": ["workshop", "audio"]},
      "built_at": "2025-03-10T09:30:00+00:00",
      "files": [{"name": "pack.pdf", "sha256": "...", "bytes": 12345}, ...]
    }

The manifest lists every other file in the zip (it cannot hold its own hash).
`verify_pack(zip_path)` re-reads a built pack and reports any mismatch.
"""
from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

FORMAT = "storyloom-workshop-pack"
FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"


def file_entry(root: Path, path: Path) -> dict:
    """{name, sha256, bytes} for one file, name relative to the pack root with '/' separators."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return {"name": path.relative_to(root).as_posix(), "sha256": digest.hexdigest(), "bytes": path.stat().st_size}


def build_manifest(content: dict, root: Path) -> dict:
    """The manifest for the files under `root` (excluding any manifest already there)."""
    files = sorted((p for p in Path(root).rglob("*") if p.is_file() and p.name != MANIFEST_NAME
                    and not p.name.startswith(".")),
                   key=lambda p: p.relative_to(root).as_posix())
    workshop = content["workshop"]
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "workshop_id": workshop.get("id"),
        "workshop_title": workshop["title"],
        "theme_run_id": workshop.get("theme_run_id"),
        "story_ids": [s["id"] for s in content["stories"]],
        "consent_state": content["consent_state"],
        "built_at": content["built_at"],
        "files": [file_entry(root, p) for p in files],
    }


def write_manifest(manifest: dict, root: Path) -> Path:
    path = Path(root) / MANIFEST_NAME
    path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False, sort_keys=False) + "\n", encoding="utf-8")
    return path


def verify_pack(zip_path) -> list[str]:
    """Problems found re-checking a pack zip against its manifest; empty list means intact."""
    problems = []
    with zipfile.ZipFile(zip_path) as archive:
        names = set(archive.namelist())
        if MANIFEST_NAME not in names:
            return ["manifest.json is missing"]
        manifest = json.loads(archive.read(MANIFEST_NAME))
        listed = set()
        for entry in manifest.get("files", []):
            listed.add(entry["name"])
            if entry["name"] not in names:
                problems.append(f"{entry['name']} is listed but missing")
                continue
            data = archive.read(entry["name"])
            if len(data) != entry["bytes"] or hashlib.sha256(data).hexdigest() != entry["sha256"]:
                problems.append(f"{entry['name']} does not match its manifest hash")
        for extra in sorted(names - listed - {MANIFEST_NAME}):
            if not extra.endswith("/"):
                problems.append(f"{extra} is in the zip but not in the manifest")
    return problems
