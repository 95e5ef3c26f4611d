"""API tokens: named, expiring, listed and revoked by their owner or an admin."""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from accounts.models import ApiToken, User
from accounts.services import AccountError
from audit.services import record
from core.timeutil import utcnow
from extensions import db

MAX_TOKEN_DAYS = 366


class TokenRefused(Exception):
    """The token cannot sign anyone in; the message says why, in plain words."""


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def issue_token(user: User, name: str = "", days: int | None = None, actor=None) -> str:
    """Create a token for `user` valid for `days` (default API_TOKEN_DAYS, 90);
    the token itself is returned once, only its hash is kept."""
    days = current_app.config["API_TOKEN_DAYS"] if days is None else days
    if not 1 <= int(days) <= MAX_TOKEN_DAYS:
        raise AccountError(f"A token lasts between 1 and {MAX_TOKEN_DAYS} days.")
    name = (name or "").strip()[:120] or "API token"
    token = "sl_" + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, token_hash=_token_hash(token), name=name,
                   expires_at=utcnow() + timedelta(days=int(days)))
    db.session.add(row)
    db.session.flush()
    record("user.token_issued", user, summary=f"{user.email}: token {row.id} “{name}” for {days} days",
           actor=actor or user)
    db.session.commit()
    return token


def tokens_of(user: User) -> list[ApiToken]:
    return db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())).all()


def revoke_token(token: ApiToken, actor=None) -> None:
    if token.revoked_at is not None:
        return
    token.revoked_at = utcnow()
    record("user.token_revoked", token.user, summary=f"{token.user.email}: token {token.id} “{token.name}”",
           actor=actor)
    db.session.commit()


def user_for_token(token: str) -> User:
    """The active user owning a live token; raises TokenRefused otherwise."""
    # The token, its person and their roles in one SELECT: every call signed with a token begins here.
    row = db.session.scalars(select(ApiToken).where(ApiToken.token_hash == _token_hash(token))
                             .options(joinedload(ApiToken.user).joinedload(User.roles))).unique().first()
    if row is None or row.revoked_at is not None or not row.user.active:
        raise TokenRefused("That API token is not valid, or has been revoked.")
    now = utcnow()
    if row.state(now) == "expired":
        raise TokenRefused("That API token has expired: make a new one on your account page.")
    if row.last_used_at is None or now - row.last_used_at > timedelta(minutes=1):
        row.last_used_at = now  # to the minute: no write on every call
        db.session.commit()
    return row.user
