"""Account rules: creating users, roles, passwords, sign-in limits, API tokens."""
from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import abort, current_app, redirect, request, url_for
from sqlalchemy import select

from accounts.models import ApiToken, User, UserRole, valid_role
from audit.services import record
from core import signals
from core.lifecycle import Leftovers, after_commit, announce
from core.timeutil import utcnow
from extensions import db



def _hasher() -> PasswordHasher:
    # Argon2id; ARGON2_PARAMS lets a test suite use cheaper (still real) settings.
    return PasswordHasher(**current_app.config.get("ARGON2_PARAMS", {}))


class AccountError(ValueError):
    """A rule about accounts was broken; the message is for the person."""


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def check_password_rules(password: str, email: str = "", name: str = "") -> None:
    """Raise AccountError unless `password` is acceptable: long enough, and
    scored at least 3 of 4 by zxcvbn (offline), with its reason in plain words."""
    from zxcvbn import zxcvbn

    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password or "") < minimum:
        raise AccountError(f"Use at least {minimum} characters.")
    if len(password) > 200:
        raise AccountError("Use at most 200 characters.")
    local = normalise_email(email).split("@")[0]
    if len(local) >= 3 and local in password.lower():
        raise AccountError("Do not use your email name in your password.")
    # zxcvbn's cost grows quickly with length; past 100 characters the rest adds strength anyway.
    verdict = zxcvbn(password[:100], user_inputs=[w for w in (local, name, "storyloom") if w])
    if verdict["score"] < 3:
        feedback = verdict["feedback"]
        reason = " ".join(part for part in [feedback.get("warning") or "", *feedback.get("suggestions", [])] if part)
        raise AccountError("That password is too easy to guess. "
                           + (reason or "Try three or four words that do not go together."))


def verify_password(user: User, password: str) -> bool:
    try:
        return _hasher().verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def generate_password() -> str:
    """A one-time password that is easy to read aloud and type."""
    words = secrets.token_hex(3), secrets.token_hex(3), secrets.token_hex(3)
    return "-".join(words)


def get_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def create_user(email: str, roles: list[str], *, name: str = "", password: str | None = None,
                actor=None, must_change_password: bool = False) -> User:
    """Create an active user with `roles`; raises AccountError on bad input."""
    email = normalise_email(email)
    if "@" not in email or "." not in email.split("@")[-1]:
        raise AccountError("Enter a full email address, like name@example.org.")
    if get_user_by_email(email):
        raise AccountError("There is already an account with that email.")
    roles = sorted(set(roles))
    if not roles:
        raise AccountError("Choose at least one role.")
    for role in roles:
        if not valid_role(role):
            raise AccountError(f"Unknown role: {role}.")
    if password is None:
        raise AccountError("A password is needed.")
    check_password_rules(password, email, name)
    user = User(email=email, name=name.strip(), password_hash=hash_password(password),
                must_change_password=must_change_password)
    user.roles = [UserRole(role=r) for r in roles]
    db.session.add(user)
    record("user.created", user, summary=f"{email} with roles {', '.join(roles)}", after={"roles": roles}, actor=actor)
    db.session.commit()
    return user


def end_sessions(user: User) -> None:
    """End every session of `user` (the caller commits)."""
    user.session_version = (user.session_version or 1) + 1


def sign_out(user: User) -> None:
    """Sign out everywhere: this session and every other one of this person."""
    end_sessions(user)
    record("user.signed_out", user, summary=user.email, actor=user)
    db.session.commit()


PASSWORD_CHANGE_ENDPOINTS = {"accounts.change_password", "accounts.logout", "static"}


def require_password_change():
    """before_request: someone signed in with a one-time password may only change it (or sign out)."""
    from flask_login import current_user

    if not current_user.is_authenticated or not current_user.must_change_password:
        return None
    if request.endpoint in PASSWORD_CHANGE_ENDPOINTS:
        return None
    if request.path.startswith("/api/"):
        abort(403, "You must choose your own password before using Storyloom: sign in on the website to do it.")
    return redirect(url_for("accounts.change_password"))


def set_roles(user: User, roles: list[str], actor=None) -> None:
    roles = sorted(set(roles))
    if not roles:
        raise AccountError("Choose at least one role.")
    if any(not valid_role(r) for r in roles):
        raise AccountError("Unknown role.")
    if actor is not None and actor.id == user.id and "admin" in user.role_names and "admin" not in roles:
        raise AccountError("You cannot remove your own admin role.")
    before = user.role_names
    current = {r.role: r for r in user.roles}
    user.roles = [current.get(r) or UserRole(role=r) for r in roles]
    if roles != before:
        end_sessions(user)  # pages and menus open in their browser were made for the old roles
    record("user.roles_changed", user, summary=f"{user.email}: {before} → {roles}",
           before={"roles": before}, after={"roles": roles}, actor=actor)
    db.session.commit()


def set_active(user: User, active: bool, actor=None) -> None:
    """Deactivate or reactivate; users are never deleted (their work keeps its author)."""
    if actor is not None and actor.id == user.id and not active:
        raise AccountError("You cannot deactivate your own account.")
    user.active = active
    user.deactivated_at = None if active else utcnow()
    end_sessions(user)  # reactivation must not bring back sessions from before
    left = Leftovers()
    if not active:  # a deactivated user's API tokens stop working at once
        for token in db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))):
            token.revoked_at = utcnow()
        left = announce(signals.person_leaving, user.id, actor=actor)  # e.g. their voice embedding goes
    record("user.reactivated" if active else "user.deactivated", user, summary=user.email, actor=actor)
    db.session.commit()
    after_commit(left)


def change_password(user: User, current: str, new: str) -> None:
    if not verify_password(user, current):
        raise AccountError("Your current password is not right.")
    check_password_rules(new, user.email, user.name)
    user.password_hash = hash_password(new)
    user.must_change_password = False
    end_sessions(user)
    record("user.password_changed", user, summary=user.email, actor=user)
    db.session.commit()


def reset_password(user: User, actor=None) -> str:
    """Give `user` a new one-time password (shown once to the admin)."""
    password = generate_password()
    user.password_hash = hash_password(password)
    user.must_change_password = True
    end_sessions(user)
    record("user.password_reset", user, summary=user.email, actor=actor)
    db.session.commit()
    return password


def list_users():
    return db.session.scalars(select(User).order_by(User.active.desc(), User.email)).all()
