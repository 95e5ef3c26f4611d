"""The data folder: one place for the embedded database, media, queue and keys."""
from __future__ import annotations

import os
import secrets
from pathlib import Path


def ensure_data_dir(path: str | os.PathLike) -> Path:
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    try:
        folder.chmod(0o700)
    except PermissionError:
        pass
    return folder


def read_or_create_secret(folder: Path, name: str, nbytes: int = 48) -> str:
    """Return the secret stored in `folder/name`, creating it once (mode 600)."""
    path = folder / name
    if path.exists():
        return path.read_text().strip()
    value = secrets.token_urlsafe(nbytes)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process (web or worker) made it first
        return path.read_text().strip()
    try:
        os.write(fd, value.encode())
    finally:
        os.close(fd)
    return value
