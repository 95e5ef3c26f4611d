"""Every route declares who may use it; a request to a route that declares
nothing is refused (fail closed).

    @bp.route("/stories")
    @allow("reporter", "admin")
    def stories(): ...

`PUBLIC` admits anonymous visitors; `SIGNED_IN` any signed-in user.
"""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, request, url_for
from flask_login import current_user

from config import ROLES

PUBLIC = "__public__"
SIGNED_IN = "__signed_in__"


class AccessNotDeclared(RuntimeError):
    """A route was registered without an access rule."""


def allow(*roles: str):
    """Declare which roles may call the decorated view (or PUBLIC / SIGNED_IN)."""
    for role in roles:
        if role not in ROLES and role not in (PUBLIC, SIGNED_IN):
            raise ValueError(f"unknown role {role!r}")
    if not roles:
        raise ValueError("allow() needs at least one role")

    def decorate(view):
        view.access_roles = frozenset(roles)
        return view

    return decorate


def access_rule(endpoint: str) -> frozenset[str] | None:
    """The roles declared for `endpoint`, or None when it declares none."""
    overrides = current_app.extensions.get("access_overrides", {})
    if endpoint in overrides:
        return overrides[endpoint]
    view = current_app.view_functions.get(endpoint)
    rule = getattr(view, "access_roles", None)
    if rule is None and view is not None and hasattr(view, "view_class"):
        rule = getattr(view.view_class, "access_roles", None)
    return rule


def is_api_request() -> bool:
    return request.path.startswith("/api/")


def user_may(roles: frozenset[str]) -> bool:
    """True when the current visitor satisfies `roles`."""
    if PUBLIC in roles:
        return True
    if not current_user.is_authenticated:
        return False
    if SIGNED_IN in roles:
        return True
    return bool(roles & set(current_user.role_names))


def enforce_access():
    """before_request hook: apply the endpoint's declared rule."""
    if request.endpoint is None:
        return None  # no route matched: the 404/405 handlers answer
    roles = access_rule(request.endpoint)
    if roles is None:
        current_app.logger.error("route %s declares no access rule", request.endpoint)
        raise AccessNotDeclared(request.endpoint)
    if user_may(roles):
        return None
    if not current_user.is_authenticated:
        if is_api_request():
            abort(401)
        flash("Please sign in to continue.", "info")
        return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
    current_app.logger.warning(
        "forbidden: user %s to %s %s", current_user.get_id(), request.method, request.path
    )
    abort(403)

