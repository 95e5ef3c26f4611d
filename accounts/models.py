"""Users, their roles, API tokens and sign-in attempts."""
from __future__ import annotations

from flask_login import UserMixin
from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from config import ROLES
from core.timeutil import utcnow
from extensions import db


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(120), nullable=False, default="")
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    must_change_password: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_at = mapped_column(DateTime, nullable=False, default=utcnow)
    last_login_at = mapped_column(DateTime, nullable=True)
    deactivated_at = mapped_column(DateTime, nullable=True)
    # Part of every session's id: raising it ends all of this person's sessions
    # (logout, password change or reset, role change, deactivation).
    session_version: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default="1")

    roles: Mapped[list["UserRole"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def get_id(self) -> str:  # Flask-Login keeps this in the session cookie
        return f"{self.id}:{self.session_version}"

    @property
    def role_names(self) -> list[str]:
        return sorted(r.role for r in self.roles)

    def has_role(self, *roles: str) -> bool:
        return bool(set(roles) & set(self.role_names))

    @property
    def display_name(self) -> str:
        return self.name or self.email

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


class UserRole(db.Model):
    __tablename__ = "user_roles"
    __table_args__ = (UniqueConstraint("user_id", "role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    role: Mapped[str] = mapped_column(String(32), nullable=False)

    user: Mapped[User] = relationship(back_populates="roles")


class ApiToken(db.Model):
    """A named API token with an expiry; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(120), nullable=False, default="")
    created_at = mapped_column(DateTime, nullable=False, default=utcnow)
    expires_at = mapped_column(DateTime, nullable=True)  # None only for tokens made before expiry existed
    last_used_at = mapped_column(DateTime, nullable=True)
    revoked_at = mapped_column(DateTime, nullable=True)

    user: Mapped[User] = relationship()

    def state(self, now) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= now:
            return "expired"
        return "active"


class LoginAttempt(db.Model):
    """Every sign-in attempt, for rate limiting and lock-out across processes."""

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), nullable=False, index=True)
    ip: Mapped[str] = mapped_column(String(64), nullable=False, default="", index=True)
    succeeded: Mapped[bool] = mapped_column(Boolean, nullable=False)
    at = mapped_column(DateTime, nullable=False, default=utcnow, index=True)


class LoginThrottle(db.Model):
    """Failures counted in the current window for one key: an account
    ("account:EMAIL") or an address at an account ("pair:IP EMAIL"), stored as
    a hash. Charged with one conditional UPDATE, so parallel guesses cannot
    all slip under the limit."""

    __tablename__ = "login_throttles"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    window_start = mapped_column(DateTime, nullable=False, default=utcnow, index=True)


def valid_role(role: str) -> bool:
    return role in ROLES
