"""The request class and the checks every request's input passes first.

Form uploads spool into DATA_DIR/tmp, not the system /tmp: werkzeug writes
large multipart files to a temporary file, by default in the system temp
folder, which may be shared or backed up. Keeping it inside the data folder
keeps unencrypted audio under the same protection as the rest, and
`tempfile.TemporaryFile` removes it when the request ends.

JSON is parsed strictly (`StrictJSONProvider`): integers past 64 bits,
numbers that overflow to infinity (`1e400`), NaN and NUL characters are
refused with a 422 that names the problem, before any code or database sees
them; a JSON body is held to `MAX_JSON_BYTES` (413 naming the limit). Every
other body is held to Flask's `MAX_CONTENT_LENGTH` (413 naming it: JSON for the
API, a page for forms), except a resumable upload's piece, which has its own
bound (`stories.uploads.put_limit`, answered with the bytes kept so far). NUL
characters in form fields, query strings and paths are refused too: PostgreSQL
cannot store them and no person types one.
"""
import json
import math
import tempfile
from pathlib import Path

from flask import Request, abort, current_app, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import UnprocessableEntity
from werkzeug.routing import IntegerConverter

INT64_MAX = 2 ** 63 - 1


class BadJSON(ValueError):
    """A JSON body that parses but holds a value no field can take."""


def _int64(text: str) -> int:
    value = int(text)
    if abs(value) > INT64_MAX:
        raise BadJSON(f"The number {text[:20]}… is too large.")
    return value


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise BadJSON(f"{text[:20]} is not a finite number.")
    return value


def _refuse_constant(name: str):
    raise BadJSON(f"{name} is not a finite number.")


def _no_nul_pairs(pairs):
    for key, value in pairs:
        if "\x00" in key or (isinstance(value, str) and "\x00" in value):
            raise BadJSON(f"The field '{key.replace(chr(0), '')[:40]}' cannot contain a NUL character.")
    return dict(pairs)


class StrictJSONProvider(DefaultJSONProvider):
    def loads(self, s, **kwargs):
        kwargs.setdefault("parse_int", _int64)
        kwargs.setdefault("parse_float", _finite)
        kwargs.setdefault("parse_constant", _refuse_constant)
        kwargs.setdefault("object_pairs_hook", _no_nul_pairs)
        return json.loads(s, **kwargs)


class BoundedIntConverter(IntegerConverter):
    """`<int:…>` that does not match numbers a 64-bit column cannot hold (a 404, not a 500)."""

    def __init__(self, map, fixed_digits=0, min=None, max=INT64_MAX, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def body_limit(limit):
    """Give a view's request body its own bound instead of MAX_CONTENT_LENGTH (put it just below @route).

    `limit` is a number of bytes, a callable returning one (read per request), or None
    when the view bounds what it reads itself (a resumable upload's piece).
    """
    def mark(view):
        view.body_limit = limit
        return view
    return mark


def _own_body_limit():
    """(True, bytes or None) when the requested view bounds its own body, else (False, None)."""
    view = current_app.view_functions.get(request.endpoint)
    if view is None or not hasattr(view, "body_limit"):
        return False, None
    limit = view.body_limit
    return True, (limit() if callable(limit) else limit)


def _human_bytes(n: int) -> str:
    if n >= 1024 ** 3:
        return f"{n / 1024 ** 3:.1f} GB".replace(".0 GB", " GB")
    return f"{n // (1024 * 1024)} MB" if n >= 1024 * 1024 else f"{max(1, n // 1024)} KB"


def too_large_message(limit: int | None = None) -> str:
    """The 413 answer for a body over the general limit, naming it."""
    limit = limit if limit is not None else current_app.config["MAX_CONTENT_LENGTH"]
    return f"That request is larger than the {_human_bytes(int(limit))} limit for one request."


class StoryloomRequest(Request):
    def _get_file_stream(self, total_content_length, content_type, filename=None, content_length=None):
        folder = Path(current_app.config["DATA_DIR"]) / "tmp"
        folder.mkdir(parents=True, exist_ok=True)
        return tempfile.TemporaryFile("wb+", dir=folder)

    def on_json_loading_failed(self, e):
        if isinstance(e, BadJSON):
            raise UnprocessableEntity(str(e))
        if e is not None and isinstance(e.__cause__ or e, (ValueError, UnicodeDecodeError)):
            raise UnprocessableEntity("The request body is not valid JSON.")
        return super().on_json_loading_failed(e)


def check_request_input():
    """before_request: NUL characters anywhere, and JSON bodies over the limit."""
    if "\x00" in request.path:
        abort(404)
    for source in (request.args,):
        for key, value in source.items(multi=True):
            if "\x00" in key or "\x00" in value:
                abort(400, f"The field '{key.replace(chr(0), '')[:40]}' cannot contain a NUL character.")
    own, limit = _own_body_limit()
    if own:  # None would fall back to the config: "no limit here" is the largest length there is
        request.max_content_length = INT64_MAX if limit is None else limit
    if request.max_content_length is not None and (request.content_length or 0) > request.max_content_length:
        abort(413, too_large_message(request.max_content_length))
    if request.is_json:
        limit = int(current_app.config["MAX_JSON_BYTES"])
        if (request.content_length or 0) > limit:
            abort(413, f"That request is larger than the {_human_bytes(limit)} limit for JSON data.")
        request.max_content_length = limit  # also bounds a body sent without a length
        if request.method in ("POST", "PUT", "PATCH") and request.get_data(cache=True):
            request.get_json()  # parsed now, strictly: a bad body is a 422 before any view runs
    elif request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        for key, value in request.form.items(multi=True):
            if "\x00" in key or "\x00" in value:
                abort(400, f"The field '{key.replace(chr(0), '')[:40]}' cannot contain a NUL character.")
    return None
