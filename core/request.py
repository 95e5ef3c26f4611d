"""The request class: form uploads spool into DATA_DIR/tmp, not the system /tmp.

Werkzeug writes large multipart files to a temporary file; by default that is
the system temp folder, which may be shared or backed up. Keeping it inside
the data folder keeps unencrypted audio under the same protection as the rest,
and `tempfile.TemporaryFile` removes it when the request ends.
"""
import tempfile
from pathlib import Path

from flask import Request, current_app


class StoryloomRequest(Request):
    def _get_file_stream(self, total_content_length, content_type, filename=None, content_length=None):
        folder = Path(current_app.config["DATA_DIR"]) / "tmp"
        folder.mkdir(parents=True, exist_ok=True)
        return tempfile.TemporaryFile("wb+", dir=folder)
