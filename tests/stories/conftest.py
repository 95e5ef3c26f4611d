"""Short spoken clips made with espeak-ng (once per session) and helpers for story tests."""
from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest

SENTENCE = "The bus to the probation office costs me nearly five pounds return."
SECOND = "My case manager helped me find a flat near my daughter's school."


def speak(text: str, dest: Path, fmt: str = "wav") -> Path:
    raw = dest.with_suffix(".raw.wav")
    subprocess.run(["espeak-ng", "-v", "en-gb", "-s", "150", "-w", str(raw), text], check=True)
    if fmt == "wav":
        subprocess.run(["sox", "-q", "-R", str(raw), "-r", "16000", str(dest), "pad", "0.3", "0.5"], check=True)
    else:
        subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-i", str(raw), str(dest)], check=True)
    raw.unlink()
    return dest


@pytest.fixture(scope="session")
def clips(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("clips")
    made = {
        "wav": speak(SENTENCE, folder / "bus.wav"),
        "mp3": speak(SECOND, folder / "flat.mp3", "mp3"),
        "ogg": speak(SENTENCE, folder / "bus.ogg", "ogg"),
    }
    return made


def upload_data(path: Path, **fields) -> dict:
    data = {"title": fields.pop("title", "Bus fares"), "storyteller_role": fields.pop("storyteller_role", "service_user"),
            "language": "en", "consent_scopes": fields.pop("consent_scopes", ["analysis", "workshop"]),
            "consent_method": "signed_form"}
    data.update(fields)
    data["audio"] = [(io.BytesIO(path.read_bytes()), path.name)]
    return data


def leftovers(app) -> list[str]:
    """Files in the media store and temp folders (should be empty after a refused upload)."""
    root = Path(app.config["DATA_DIR"])
    return sorted(str(p.relative_to(root)) for sub in ("media", "tmp") for p in (root / sub).rglob("*") if p.is_file())
