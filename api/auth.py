"""Bearer-token sign-in for the API, and CSRF for API calls made with a session."""
from flask import abort, current_app, g, request

from core.access import is_api_request
from extensions import csrf


def authenticate_api_request():
    """before_request: a Bearer token signs the request in (no session cookie is set).

    A request that carries an Authorization header is judged by that header
    alone: a malformed or unknown token is a 401, never a fall-back to the
    session.
    """
    if not is_api_request():
        return None
    header = request.headers.get("Authorization")
    if header is None:
        if request.method not in ("GET", "HEAD", "OPTIONS") and current_app.config.get("WTF_CSRF_ENABLED", True):
            csrf.protect()  # browser calls with a session cookie need the CSRF header
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        abort(401, "The Authorization header must be 'Bearer <token>'.")
    from accounts.tokens import TokenRefused, user_for_token

    try:
        user = user_for_token(token.strip())
    except TokenRefused as exc:
        abort(401, str(exc))
    g._login_user = user  # Flask-Login's per-request user
    g.signed_in_by_token = True
    return None
