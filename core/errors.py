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
}


def _log(status: int, detail: str) -> None:
    who = current_user.get_id() if current_user and current_user.is_authenticated else "anonymous"
    level = current_app.logger.error if status >= 500 else current_app.logger.warning
    level("%s %s %s -> %s (%s) user=%s", request.remote_addr, request.method, request.path, status, detail, who)


def error_response(status: int, message: str | None = None, errors: dict | None = None):
    """Render the error for the kind of client that asked."""
    message = message or PLAIN_MESSAGES.get(status, "Something went wrong.")
    _log(status, message)
    if is_api_request() or request.accept_mimetypes.best == "application/json":
        body = {"code": status, "status": _status_name(status), "message": message}
        if errors:
            body["errors"] = errors
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


def handle_http_exception(exc: HTTPException):
    errors = None
    data = getattr(exc, "data", None)
    if isinstance(data, dict) and "messages" in data:  # flask-smorest validation errors
        errors = data["messages"]
    # werkzeug's stock wording (the class's own description) gives way to ours;
    # a message the code wrote itself is kept, whatever word it begins with.
    stock = exc.description == type(exc).description
    message = None if stock or not exc.description or exc.code == 500 else exc.description
    return error_response(exc.code or 500, message, errors)


def handle_csrf_error(exc: CSRFError):
    return error_response(400, "This form has expired or was sent from elsewhere. Please reload the page and try again.")


def handle_unexpected(exc: Exception):
    current_app.logger.exception("unhandled error")
    return error_response(500)


def register_error_handlers(app) -> None:
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(Exception, handle_unexpected)
