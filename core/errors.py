"""Clear answers for bad requests: an HTML page for people, JSON for the API.

Every error is logged with who asked and what for."""
from __future__ import annotations

from flask import current_app, jsonify, render_template, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from core.access import is_api_request

PLAIN_MESSAGES = {
    400: "Something in that request was not right.",
    401: "Please sign in first.",
    403: "You do not have access to this page.",
    404: "We could not find that page.",
    405: "That action is not allowed here.",
    409: "Someone else changed this at the same time. Nothing was lost: please look again.",
    413: "That file is too large.",
    429: "Too many tries. Please wait a few minutes and try again.",
    500: "Something went wrong on our side. Nothing you saved was lost.",
    503: "The background work queue is not answering, so this could not start. Nothing you saved was lost. "
         "Please try again later, and tell your administrator if it keeps happening.",
}


def _log(status: int, detail: str) -> None:
    who = current_user.get_id() if current_user and current_user.is_authenticated else "anonymous"
    level = current_app.logger.error if status >= 500 else current_app.logger.warning
    level("%s %s %s -> %s (%s) user=%s", request.remote_addr, request.method, request.path, status, detail, who)


def error_response(status: int, message: str | None = None, errors: dict | None = None, received: int | None = None):
    """Render the error for the kind of client that asked (`received`: a resumable upload's bytes so far)."""
    message = message or PLAIN_MESSAGES.get(status, "Something went wrong.")
    _log(status, message)
    if is_api_request() or request.accept_mimetypes.best == "application/json":
        body = {"code": status, "status": _status_name(status), "message": message}
        if errors:
            body["errors"] = errors
        if received is not None:
            body["received"] = received
        response = jsonify(body)
        response.status_code = status
        if status == 401:
            response.headers["WWW-Authenticate"] = 'Bearer realm="storyloom"'
        return response
    return render_template("errors/error.html", status=status, message=message), status


def _status_name(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def validation_message(messages: dict) -> str:
    """Plain words for webargs' {location: {field: [problems]}}, naming the fields."""
    names = []
    for location, problems in messages.items():
        if not isinstance(problems, dict):
            continue
        if "_schema" in problems and location == "json":
            return "Send a JSON object with the fields this call takes."
        names += [str(name) for name in problems if name != "_schema"]
    if not names:
        return "Something in that request was not right."
    return "These fields are missing or not right: " + ", ".join(sorted(set(names))[:10]) + "."


def handle_http_exception(exc: HTTPException):
    errors = None
    data = getattr(exc, "data", None) or {}
    if not isinstance(data, dict):
        data = {}
    if "messages" in data:  # flask-smorest / webargs validation errors
        errors = data["messages"]
    elif isinstance(data.get("errors"), dict):  # abort(422, message=…, errors=form.errors)
        errors = data["errors"]
    # werkzeug's stock wording (the class's own description) gives way to ours;
    # a message the code wrote itself is kept, whatever word it begins with.
    stock = exc.description == type(exc).description
    message = None if stock or not exc.description or exc.code == 500 else exc.description
    if exc.code == 413 and message is None:  # werkzeug cut a body over MAX_CONTENT_LENGTH short
        from core.request import too_large_message

        message = too_large_message()
    if data.get("message") and exc.code != 500:
        message = str(data["message"])
    elif errors and message is None:
        message = validation_message(errors)
    return error_response(exc.code or 500, message, errors, data.get("received"))


def handle_csrf_error(exc: CSRFError):
    return error_response(400, "This form has expired or was sent from elsewhere. Please reload the page and try again.")


def handle_unexpected(exc: Exception):
    current_app.logger.exception("unhandled error")
    return error_response(500)


def handle_queue_unavailable(exc: Exception):
    current_app.logger.error("job queue unavailable: %s", exc)  # the operator's detail stays in the log
    return error_response(503)


def register_error_handlers(app) -> None:
    from jobs.queue import QueueUnavailable

    app.register_error_handler(QueueUnavailable, handle_queue_unavailable)
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(Exception, handle_unexpected)
