"""Scratch files that hold a story's audio or words in plaintext, named so they can always be found.

Every such file or folder is named `<kind>-<owner>-…` where the owner is
`<host>.<pid>.j<job id>`: the worker sweeps its own at start (what a crashed
process on this machine left) and when each job ends, and erasure removes any
that belong to the story (plaintext copies carry the media's hash; pack
staging folders list their story ids in a `.stories` file).
"""
from __future__ import annotations

import contextvars
import os
import re
import shutil
import socket
from pathlib import Path

_current_job: contextvars.ContextVar[int | None] = contextvars.ContextVar("storyloom_job", default=None)
_OWNER = re.compile(r"^[a-z.]+-(?P<host>[A-Za-z0-9_]+)\.(?P<pid>\d+)\.j(?P<job>\d+)-")
STORIES_FILE = ".stories"


def _host() -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", socket.gethostname())[:40] or "host"


def set_job(job_id: int | None):
    """Mark scratch made from now on (in this thread of work) as the job's; returns a token for reset_job."""
    return _current_job.set(job_id)


def reset_job(token) -> None:
    _current_job.reset(token)


def owner_tag(job_id: int | None = None) -> str:
    job = _current_job.get() if job_id is None else job_id
    return f"{_host()}.{os.getpid()}.j{job or 0}"


def scratch_prefix(kind: str, *, media_sha: str = "") -> str:
    """`kind-owner-` (plus the media hash for plaintext copies): the start of a scratch file's name."""
    return f"{kind}-{owner_tag()}-" + (f"{media_sha[:16]}-" if media_sha else "")


def mark_stories(folder: Path, story_ids) -> None:
    (Path(folder) / STORIES_FILE).write_text(" ".join(str(int(s)) for s in story_ids))


def _remove(path: Path) -> bool:
    try:
        shutil.rmtree(path) if path.is_dir() else path.unlink()
        return True
    except FileNotFoundError:
        return False


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep(folders, *, job_id: int | None = None, dead_only: bool = False) -> int:
    """Remove this machine's scratch in `folders`: a job's own (`job_id`), or every one whose process has died."""
    removed = 0
    for folder in folders:
        for path in Path(folder).glob("*") if Path(folder).is_dir() else []:
            owner = _OWNER.match(path.name.lstrip("."))
            if owner is None or owner["host"] != _host():
                continue
            pid, job = int(owner["pid"]), int(owner["job"])
            if dead_only and pid != os.getpid() and not _pid_alive(pid):
                removed += _remove(path)
            elif job_id is not None and pid == os.getpid() and job == job_id:
                removed += _remove(path)
    return removed


def sweep_story(folders, story_id: int, media_shas) -> int:
    """Remove every scratch file or folder of one story, whoever made it (erasure)."""
    shas = {s[:16] for s in media_shas if s}
    removed = 0
    for folder in folders:
        for path in Path(folder).glob("*") if Path(folder).is_dir() else []:
            if _OWNER.match(path.name.lstrip(".")) is None:
                continue
            if path.is_file() and any(f"-{sha}-" in path.name for sha in shas):
                removed += _remove(path)
            elif path.is_dir() and str(int(story_id)) in _listed(path):
                removed += _remove(path)
    return removed


def _listed(folder: Path) -> set[str]:
    try:
        return set((folder / STORIES_FILE).read_text().split())
    except OSError:
        return set()


def folders() -> list[Path]:
    """Where scratch lives: DATA_DIR/tmp (plaintext copies) and DATA_DIR/packs (pack staging)."""
    from flask import current_app

    base = Path(current_app.config["DATA_DIR"])
    return [base / "tmp", base / "packs"]
