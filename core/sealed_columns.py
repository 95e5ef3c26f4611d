"""Column types for a story's words: plain text in Python, sealed with the story's key in the database.

    title = mapped_column(SealedText, nullable=False)        # str in Python, BLOB/BYTEA in the table
    segments = mapped_column(SealedJSON, nullable=False)     # JSON in Python

Values are sealed just before the flush writes them (mapper events on `db.Model`): the row's story
key is its own `key_id` (the `stories` row, which gets a new key on insert) or its `story_id`'s
(looked up once per transaction). Loading opens them (`core/shred.py`, keys cached per process,
one decryption per value). A plain value reaching the database any other way (a Core INSERT or
UPDATE, or a WHERE clause comparing story words in SQL) raises `UnsealedValue`: filter in Python.
"""
from __future__ import annotations

import json

from sqlalchemy import LargeBinary, event, inspect, select, update
from sqlalchemy.orm import Session, object_session
from sqlalchemy.types import TypeDecorator

from core import shred
from extensions import db

_STORY_KEYS = "shred.story_keys"


class UnsealedValue(Exception):
    """Story words were about to reach the database unsealed."""


class KeyedStr(str):
    """A str that knows which story key seals it (set just before a flush)."""


class KeyedList(list):
    pass


class KeyedDict(dict):
    pass


def keyed(value, key_id: str):
    if value is None or getattr(value, "key_id", None) == key_id:
        return value
    wrapper = {str: KeyedStr, list: KeyedList, dict: KeyedDict}.get(type(value))
    if wrapper is None:
        for base, candidate in ((str, KeyedStr), (list, KeyedList), (dict, KeyedDict)):
            if isinstance(value, base):
                wrapper = candidate
                break
        else:
            raise TypeError(f"Cannot seal a {type(value).__name__}")
    wrapped = wrapper(value)
    wrapped.key_id = key_id
    return wrapped


class _Sealed(TypeDecorator):
    impl = LargeBinary
    cache_ok = True

    def encode(self, value) -> bytes:
        raise NotImplementedError

    def decode(self, raw: bytes):
        raise NotImplementedError

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if shred.is_sealed(value):
            return bytes(value)
        key_id = getattr(value, "key_id", None)
        if key_id is None:
            raise UnsealedValue("Story words reach the database only sealed: set them on the ORM object "
                                "(no Core INSERT/UPDATE, no SQL comparison of story words; filter in Python).")
        return shred.seal_bytes(key_id, self.encode(value))

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return self.decode(shred.open_bytes(value))


class SealedText(_Sealed):
    cache_ok = True

    def encode(self, value) -> bytes:
        return str(value).encode("utf-8")

    def decode(self, raw: bytes):
        return raw.decode("utf-8")


class SealedJSON(_Sealed):
    cache_ok = True

    def encode(self, value) -> bytes:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    def decode(self, raw: bytes):
        return json.loads(raw.decode("utf-8"))


_attrs_by_class: dict[type, tuple] = {}


def sealed_attributes(mapper) -> tuple:
    """(attribute name, column) of every sealed column of a mapped class."""
    found = _attrs_by_class.get(mapper.class_)
    if found is None:
        found = tuple((prop.key, prop.columns[0]) for prop in mapper.column_attrs
                      if isinstance(prop.columns[0].type, _Sealed))
        _attrs_by_class[mapper.class_] = found
    return found


def _session_keys(target) -> dict:
    session = object_session(target)
    return session.info.setdefault(_STORY_KEYS, {}) if session is not None else {}


def story_key(connection, target, mapper) -> str:
    """The key id that seals `target`'s words: its own (a story) or its story's."""
    if "key_id" in mapper.columns:
        if target.key_id is None:
            target.key_id = shred.create_key()
        if target.id is not None:
            _session_keys(target)[target.id] = target.key_id
        return target.key_id
    story_id = target.story_id
    if story_id is None:
        raise UnsealedValue(f"A {type(target).__name__} with story words needs its story_id before it is saved.")
    known = _session_keys(target)
    if story_id not in known:
        stories = mapper.local_table.metadata.tables["stories"]
        key_id = connection.execute(select(stories.c.key_id).where(stories.c.id == story_id)).scalar()
        if key_id is None:  # a story from before sealing that the migration did not reach
            key_id = shred.create_key()
            connection.execute(update(stories).where(stories.c.id == story_id).values(key_id=key_id))
        known[story_id] = key_id
    return known[story_id]


def remember_story_keys(session, story_ids) -> None:
    """Look up the key ids of many stories in one query for the current transaction, so a flush of many rows
    of theirs (a theme run's passages) does not ask once per story."""
    from stories.models import Story

    known = session.info.setdefault(_STORY_KEYS, {})
    ids = sorted({int(i) for i in story_ids} - set(known))
    for start in range(0, len(ids), 500):
        known.update((sid, key_id) for sid, key_id in session.execute(
            select(Story.id, Story.key_id).where(Story.id.in_(ids[start:start + 500]))).all() if key_id)


def story_key_ids(session, story_ids) -> dict:
    """{story id: key id} for many stories in one query (a story from before sealing gets its key now), for
    code that seals rows in bulk with `seal_value` and writes them with one Core INSERT."""
    from stories.models import Story

    remember_story_keys(session, story_ids)
    known = session.info[_STORY_KEYS]
    for story_id in sorted({int(i) for i in story_ids} - set(known)):
        known[story_id] = shred.create_key()
        session.execute(update(Story.__table__).where(Story.__table__.c.id == story_id).values(key_id=known[story_id]))
    return {int(i): known[int(i)] for i in story_ids}


def seal_value(column, key_id: str, value) -> bytes:
    """`value` sealed for a sealed `column` under `key_id`: what a flush would write (a Core INSERT passes it)."""
    return shred.seal_bytes(key_id, column.type.encode(value))


def _default(column):
    default = column.default
    if default is None:
        return None
    if default.is_callable:
        return default.arg(None)
    return default.arg if default.is_scalar else None


def _seal(mapper, connection, target, inserting: bool) -> None:
    names = sealed_attributes(mapper)
    if not names:
        return
    state = inspect(target)
    if inserting:
        todo = names
    else:
        todo = tuple((n, c) for n, c in names if n in state.committed_state)
    if not todo:
        return
    key_id = story_key(connection, target, mapper)
    for name, column in todo:
        value = state.dict.get(name)
        if value is None and inserting:
            value = _default(column)
        state.dict[name] = keyed(value, key_id)


@event.listens_for(db.Model, "before_insert", propagate=True)
def _before_insert(mapper, connection, target) -> None:
    _seal(mapper, connection, target, inserting=True)


@event.listens_for(db.Model, "before_update", propagate=True)
def _before_update(mapper, connection, target) -> None:
    _seal(mapper, connection, target, inserting=False)


@event.listens_for(db.Model, "after_insert", propagate=True)
def _after_insert(mapper, connection, target) -> None:
    if "key_id" in mapper.columns and getattr(target, "key_id", None):
        _session_keys(target)[target.id] = target.key_id


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_soft_rollback")
def _forget_story_keys(session, *_) -> None:
    """Ids are looked up again in the next transaction (a rolled-back story's id may come back on SQLite)."""
    session.info.pop(_STORY_KEYS, None)


def rotate_story_key(story) -> str | None:
    """Give `story` a new key and mark every sealed value of it (its own row's and every row with its
    `story_id`) to be sealed again under it in the next flush. Returns the old key id, to destroy
    once the change is committed: words deleted from a story that lives on (retention) then go the
    way of an erased story's, though older copies of the rows are still in table files and WAL."""
    from sqlalchemy.orm.attributes import flag_modified

    session = object_session(story)
    old, story.key_id = story.key_id, shred.create_key()
    _session_keys(story)[story.id] = story.key_id
    for mapper in db.Model.registry.mappers:
        names = sealed_attributes(mapper)
        if not names:
            continue
        if mapper.class_ is type(story):
            rows = [story]
        elif "story_id" in mapper.columns:
            rows = session.scalars(select(mapper.class_).where(mapper.class_.story_id == story.id)).all()
        else:
            continue
        for row in rows:
            for name, _ in names:
                flag_modified(row, name)
    return old
