"""Sending a sealed object from the media store: decrypted as it streams, with Range support."""
from __future__ import annotations

import re

from flask import Response, abort, request

_RANGE = re.compile(r"bytes=(\d*)-(\d*)$")


def send_sealed(object_key: str, mimetype: str, *, cache_control: str = "private, no-store",
                download_name: str | None = None) -> Response:
    """The plaintext of a sealed object; a `Range: bytes=a-b` request gets 206 and only the chunks it needs."""
    from core import sealed
    from core.storage import storage

    store = storage()
    size = sealed.sealed_plain_size(store, object_key)
    if size is None:
        abort(404)
    key = sealed.media_key()
    headers = {"Accept-Ranges": "bytes", "Cache-Control": cache_control, "X-Content-Type-Options": "nosniff"}
    if download_name:
        headers["Content-Disposition"] = f'attachment; filename="{download_name}"'
    match = _RANGE.match(request.headers.get("Range", "").strip())
    if not match or (not match.group(1) and not match.group(2)):
        headers["Content-Length"] = str(size)
        return Response(sealed.decrypt_stream(store, object_key, size, key=key), 200, headers=headers,
                        mimetype=mimetype, direct_passthrough=True)
    first, last = match.groups()
    if first:
        start, end = int(first), int(last) if last else size - 1
    else:  # "bytes=-N": the last N bytes
        start, end = max(0, size - int(last)), size - 1
    end = min(end, size - 1)
    if start > end or start >= size:
        return Response(status=416, headers={"Content-Range": f"bytes */{size}"})
    headers.update({"Content-Range": f"bytes {start}-{end}/{size}", "Content-Length": str(end - start + 1)})
    return Response(sealed.decrypt_stream(store, object_key, size, start, end, key), 206, headers=headers,
                    mimetype=mimetype, direct_passthrough=True)
