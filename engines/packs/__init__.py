"""Workshop packs: a print handout, an offline viewer, clips and a manifest in one zip.

Public API:
    build_pack(content, clips, out_zip, on_progress=None, required_scope=None) -> PackResult
    verify_pack(zip_path) -> list[str]
    clip_file_name(theme_number, quote_number, story_id, suffix) -> str
    normalise_content(content, clips) -> dict   (validation only; raises PackContentError)
The content dict shape is documented in engines/packs/content.py.
"""
from .build import PackResult, build_pack
from .content import PackContentError, clip_file_name, normalise_content
from .manifest import verify_pack

__all__ = ["PackResult", "build_pack", "PackContentError", "clip_file_name", "normalise_content", "verify_pack"]
