"""Rendered pages kept for a moment, keyed on what they were worked out from.

A page that works out a theme run for a viewer (board, theme page, prevalence) or a story page does
the same work for every request until something it reads changes. Every such input lives in the
database, and the one input that changes without a write is the date (a consent's `expires_on`),
so a rendered page is kept under (read version, today, viewer, roles, path), where the read version
is a counter in the database (`read_versions`) that every committing transaction which changed any
row (beyond the audit log and worker heartbeats) moves on in the same commit. Hence:

- a withdrawal, restriction, erasure, consent change, redaction decision or board decision shows at
  once on the next request, in every process and on every machine (each reads the counter first);
- the counter is bumped just before the commit, not at the first flush, so on PostgreSQL its row lock
  is held for the commit only and a long job transaction does not stall every other writer;
- a process that reads another counter drops every page it kept under the old one (an erased
  story's words do not stay in memory until the LRU forgets them; a restore may move it back);
- a page is kept for TTL seconds at most (the signed clip URLs in it last ten minutes) and only
  for the viewer it was rendered for; the CSRF token is put back per request; a request with
  flashed messages to show is neither served from nor stored in the cache.
"""
from __future__ import annotations

import threading
import time
from collections import OrderedDict
from datetime import date

from sqlalchemy import Integer, event, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from extensions import db

TTL = 60.0
MAX_PAGES = 256
_CSRF_MARK = "\x00csrf\x00"
# Rows no cached page shows, written while pages are read: an audited view, a worker's heartbeat.
IGNORED_TABLES = frozenset({"audit_log", "worker_heartbeats"})
_lock = threading.Lock()


class ReadVersion(db.Model):
    """One row: a counter moved on by every commit that changed what pages show."""

    __tablename__ = "read_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


def _changes_pages(session: Session) -> bool:
    return any(getattr(obj, "__tablename__", None) not in IGNORED_TABLES
               for obj in (*session.new, *session.dirty, *session.deleted))


@event.listens_for(Session, "before_flush")
def _note_change(session, _context, _instances) -> None:
    if _changes_pages(session):
        session.info["read_version_stale"] = True


@event.listens_for(Session, "do_orm_execute")
def _note_statement(state) -> None:
    if state.is_update or state.is_delete or state.is_insert:
        table = getattr(getattr(state.statement, "table", None), "name", None)
        if table not in IGNORED_TABLES and table != ReadVersion.__tablename__:
            state.session.info["read_version_stale"] = True


@event.listens_for(Session, "before_commit")
def _bump(session) -> None:
    unflushed = _changes_pages(session)  # the commit flushes after this hook: those rows count too
    if not (session.info.pop("read_version_stale", False) or unflushed):
        return
    if unflushed:
        session.flush()
    done = session.execute(update(ReadVersion).where(ReadVersion.id == 1)
                           .values(version=ReadVersion.version + 1)).rowcount
    if not done:
        session.add(ReadVersion(id=1, version=1))
        session.flush()
    session.info.pop("read_version_stale", None)


def read_version() -> int:
    """The counter as committed now (0 before the first change)."""
    return db.session.scalar(select(ReadVersion.version).where(ReadVersion.id == 1)) or 0


def _key(version: int) -> tuple | None:
    from flask import request, session
    from flask_login import current_user

    if request.method != "GET" or session.get("_flashes") or not getattr(current_user, "is_authenticated", False):
        return None
    roles = tuple(current_user.role_names)
    return (version, date.today().isoformat(), current_user.id, roles, request.endpoint, request.full_path)


class _Pages:
    """One app's kept pages (in app.extensions: a test's app or a restored site starts empty)."""

    def __init__(self):
        self.pages: OrderedDict = OrderedDict()  # key -> (stored at, html)
        self.newest = 0

    def seen(self, version: int) -> None:
        """Drop pages kept under another version than `version`, once it is new (or went back: a restore)."""
        with _lock:
            if version != self.newest:
                self.newest = version
                for key in [k for k in self.pages if k[0] != version]:
                    del self.pages[key]


def _store() -> _Pages:
    from flask import current_app

    return current_app.extensions.setdefault("page_cache", _Pages())


def cached(render) -> str:
    """The page `render()` makes, from the cache when it was rendered for this viewer and path at the
    read version and date of now, less than TTL seconds ago."""
    from flask import current_app
    from flask_wtf.csrf import generate_csrf

    if not current_app.config.get("PAGE_CACHE", True):
        return render()
    version = read_version()  # read before the page's rows: what it renders is at least this new
    key = _key(version)
    if key is None:
        return render()
    store = _store()
    store.seen(version)
    now = time.monotonic()
    with _lock:
        found = store.pages.get(key)
    if found is not None and now - found[0] < TTL:
        return found[1].replace(_CSRF_MARK, generate_csrf())
    html = render()
    if not isinstance(html, str):  # a redirect, a file: sent as it is, never kept
        return html
    kept = html.replace(generate_csrf(), _CSRF_MARK)
    with _lock:
        store.pages[key] = (now, kept)
        store.pages.move_to_end(key)
        while len(store.pages) > MAX_PAGES:
            store.pages.popitem(last=False)
    return html


def cached_page(view):
    """A view whose rendered page is served through `cached` (put under @allow)."""
    from functools import wraps

    @wraps(view)
    def wrapper(*args, **kwargs):
        return cached(lambda: view(*args, **kwargs))
    return wrapper


def clear() -> None:
    """Forget every page the current app kept."""
    with _lock:
        _store().pages.clear()
