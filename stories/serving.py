"""Sending a story's original recording: as the codec it really is, as a download, audited once.

The Content-Type comes from what PyAV found in the file when it was uploaded (container and
codec), never from the uploader's part header: an mp3 sent as `text/html` must not render as a
page on the site's origin. Every response is `nosniff` and `attachment`. Byte ranges are read by
werkzeug (`request.range`), and any read of the original, whole or ranged, writes one audit entry
per session and story (so a download made of ranges that never start at 0 is audited too).
"""
from __future__ import annotations

from flask import Response, request, session

from stories.media import iter_plain
from stories.models import MediaFile, Story

# PyAV container names (MediaFile.container) -> the audio type browsers play.
CONTAINER_TYPES = {
    "wav": "audio/wav", "mp3": "audio/mpeg", "ogg": "audio/ogg", "flac": "audio/flac", "aac": "audio/aac",
    "matroska,webm": "audio/webm", "mov,mp4,m4a,3gp,3g2,mj2": "audio/mp4", "asf": "audio/x-ms-wma",
}
# When the container is unknown: by codec name prefix.
CODEC_TYPES = (("mp3", "audio/mpeg"), ("pcm_", "audio/wav"), ("aac", "audio/aac"), ("opus", "audio/ogg"),
               ("vorbis", "audio/ogg"), ("flac", "audio/flac"))
EXTENSIONS = {"audio/wav": "wav", "audio/mpeg": "mp3", "audio/ogg": "ogg", "audio/flac": "flac", "audio/aac": "aac",
              "audio/webm": "webm", "audio/mp4": "m4a", "audio/x-ms-wma": "wma"}
FALLBACK = "application/octet-stream"
HEARD_KEY = "heard_originals"
HEARD_LIMIT = 200


def content_type_for(media: MediaFile) -> str:
    """The audio type of the probed file; application/octet-stream when it cannot be told."""
    container = (media.container or "").lower()
    if container in CONTAINER_TYPES:
        return CONTAINER_TYPES[container]
    codec = (media.codec or "").lower()
    return next((kind for prefix, kind in CODEC_TYPES if codec.startswith(prefix)), FALLBACK)


def _note_read_once(user, story: Story) -> None:
    """One audit entry per session and story for reading its original audio."""
    from stories.services import note_unredacted_view

    heard = list(session.get(HEARD_KEY) or [])
    if story.id in heard:
        return
    if note_unredacted_view(user, story, "original audio", audio=True):
        session[HEARD_KEY] = (heard + [story.id])[-HEARD_LIMIT:]


def original_response(user, story: Story) -> Response:
    """The decrypted original (whole, or the one byte range asked for), with safe headers."""
    media = story.media
    size = media.bytes
    mimetype = content_type_for(media)
    headers = {
        "Accept-Ranges": "bytes", "Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff",
        "Content-Disposition": f'attachment; filename="story-{story.id}.{EXTENSIONS.get(mimetype, "bin")}"',
    }
    _note_read_once(user, story)
    wanted = request.range
    if wanted is None or wanted.units != "bytes" or len(wanted.ranges) != 1:
        headers["Content-Length"] = str(size)
        return Response(iter_plain(media), 200, headers=headers, mimetype=mimetype, direct_passthrough=True)
    span = wanted.range_for_length(size)
    if span is None:
        headers["Content-Range"] = f"bytes */{size}"
        return Response(status=416, headers=headers)
    start, stop = span
    headers.update({"Content-Range": wanted.to_content_range_header(size), "Content-Length": str(stop - start)})
    return Response(iter_plain(media, start, stop - 1), 206, headers=headers, mimetype=mimetype,
                    direct_passthrough=True)
