"""A file's name can carry a name ("Marcus Reilly interview.mp3"): it is kept only in the story's
sealed `source_filename` (erased with the story's key), never in the shared, unsealed media row."""
from __future__ import annotations

import io

from tests.factories import tone_wav


def test_the_media_row_keeps_only_the_kind_of_file_not_its_name(app):
    from stories.media import store_upload
    from stories.services import _display_name

    with app.app_context():
        media = store_upload(io.BytesIO(tone_wav(2.0)), "Marcus Reilly interview.WAV", max_bytes=10**8)
        assert media.original_filename == "upload.wav"
        assert _display_name("Marcus Reilly interview.WAV") == "Marcus_Reilly_interview.WAV"  # the story's own
