"""Signing in, with a lock-out that holds under parallel guesses.

Two counters per attempt: the account (every address together) and the
address at that account. Each attempt *charges* both counters before the
password is checked, with one conditional UPDATE each
(`failures = failures + 1 WHERE failures < limit`), so sixteen parallel
guesses get five checks, not sixteen; a charge that finds the counter full
refuses the attempt, even with the right password, until the window ends. A
success gives its charge back. One address never locks other accounts (there
is no per-address counter), so a shared office PC or a proxy cannot lock out
everyone behind it; an address that keeps guessing at one account locks only
itself out of it, and the account locks for everyone only at four times the
limit, from many addresses.

An unknown email is checked against a dummy hash, so it costs as much time
as a known one.
"""
from __future__ import annotations

import hashlib
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, insert, update
from sqlalchemy.exc import IntegrityError

from accounts.models import LoginAttempt, LoginThrottle, User
from accounts.services import AccountError, get_user_by_email, hash_password, normalise_email, verify_password
from audit.services import record
from core.timeutil import utcnow
from extensions import db

ACCOUNT_LIMIT_FACTOR = 4  # the account itself locks at 4× the per-address limit


class AccountLocked(AccountError):
    """Too many recent failures: sign-in is refused until the window ends."""


def _key(kind: str, text: str) -> str:
    return hashlib.sha256(f"{kind}:{text}".encode("utf-8", "replace")).hexdigest()


def _dummy_hash() -> str:
    app = current_app._get_current_object()
    if "dummy_password_hash" not in app.extensions:
        app.extensions["dummy_password_hash"] = hash_password("not a real password, only spends the time")
    return app.extensions["dummy_password_hash"]


def _ensure(key: str) -> None:
    try:
        with db.session.begin_nested():
            db.session.execute(insert(LoginThrottle).values(key=key, failures=0, window_start=utcnow()))
    except IntegrityError:
        pass  # it exists (perhaps made by a parallel attempt this instant)


def _charge(key: str, limit: int, cutoff) -> bool:
    """Take one attempt from `key`'s allowance; False when none is left."""
    _ensure(key)
    now = utcnow()
    db.session.execute(update(LoginThrottle).where(LoginThrottle.key == key, LoginThrottle.window_start < cutoff)
                       .values(failures=0, window_start=now))
    taken = db.session.execute(update(LoginThrottle).where(LoginThrottle.key == key, LoginThrottle.failures < limit)
                               .values(failures=LoginThrottle.failures + 1))
    return taken.rowcount == 1


def _refund(*keys: str) -> None:
    db.session.execute(update(LoginThrottle).where(LoginThrottle.key.in_(keys), LoginThrottle.failures > 0)
                       .values(failures=LoginThrottle.failures - 1))


def _prune(cutoff) -> None:
    """Forget attempts and counters older than the window."""
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.at < cutoff))
    db.session.execute(delete(LoginThrottle).where(LoginThrottle.window_start < cutoff, LoginThrottle.failures == 0))


def _reserve(email: str, ip: str) -> tuple[str, str]:
    """Charge both counters (committed, so parallel attempts see it); raise AccountLocked if either is full."""
    config = current_app.config
    cutoff = utcnow() - timedelta(seconds=config["LOGIN_WINDOW_SECONDS"])
    limit = config["LOGIN_MAX_FAILURES"]
    pair, account = _key("pair", f"{ip} {email}"), _key("account", email)
    db.session.commit()  # start a fresh transaction whose first statement writes
    if not _charge(pair, limit, cutoff):
        locked = True
    elif not _charge(account, limit * ACCOUNT_LIMIT_FACTOR, cutoff):
        _refund(pair)
        locked = True
    else:
        locked = False
    _prune(cutoff)
    db.session.commit()
    if locked:
        record("user.sign_in_locked", summary=email[:200], object_type="users", object_id="")
        db.session.commit()
        minutes = max(1, round(config["LOGIN_WINDOW_SECONDS"] / 60))
        raise AccountLocked(f"Too many tries. Please wait {minutes} minutes, or ask an admin to help.")
    return pair, account


def authenticate(email: str, password: str, ip: str) -> User:
    """Return the user for good credentials; raise AccountError (or AccountLocked) otherwise.

    Unknown email and wrong password get the same answer (and take the same
    time), so the form does not reveal who has an account.
    """
    email = normalise_email(email)
    ip = (ip or "")[:64]
    pair, account = _reserve(email, ip)
    user = get_user_by_email(email)
    if user is None:
        verify_password(User(password_hash=_dummy_hash()), password or "")
        right = False
    else:
        right = verify_password(user, password or "")
    ok = right and user.active
    db.session.add(LoginAttempt(email=email[:254], ip=ip, succeeded=ok, at=utcnow()))  # the clock the window uses
    if not ok:
        record("user.sign_in_failed", summary=email[:200], object_type="users", object_id=str(user.id) if user else "")
        db.session.commit()
        if user is not None and right and not user.active:
            raise AccountError("This account has been turned off. Please ask an admin.")
        raise AccountError("That email or password is not right.")
    _refund(pair, account)
    user.last_login_at = utcnow()
    record("user.signed_in", user, summary=email, actor=user)
    db.session.commit()
    return user
