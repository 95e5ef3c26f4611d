"""Story words are sealed in the database under their story's key (core/shred.py, core/sealed_columns.py)."""
import time

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import StatementError

from core import shred
from core.sealed_columns import UnsealedValue
from core.storage import storage
from extensions import db
from stories.models import Segment, Story


def _raw(sql: str, **params):
    return bytes(db.session.execute(text(sql), params).scalar())


def test_every_row_of_a_story_is_sealed_under_that_storys_key(db_app, db_users):
    from accounts.models import User
    from tests import factories

    with db_app.app_context():
        reporter = db.session.get(User, db_users["reporter"].id)
        first = factories.make_story(reporter, title="Kestrelmoor", text="Kestrelmoor waited.")
        second = factories.make_story(reporter, title="Other", text="Other words.")
        assert first.key_id != second.key_id and storage().exists(shred.key_object(first.key_id))
        title = _raw("SELECT title FROM stories WHERE id = :i", i=first.id)
        segment = _raw("SELECT text FROM segments WHERE story_id = :i", i=first.id)
        assert b"Kestrelmoor" not in title + segment
        assert shred.key_id_of(title) == shred.key_id_of(segment) == first.key_id
        db.session.expire_all()
        assert db.session.get(Story, first.id).segments[0].text == "Kestrelmoor waited."
        assert db.session.scalar(select(Segment.text).where(Segment.story_id == second.id)) == "Other words."


def test_story_words_never_reach_sql_unsealed(app_context, make_story):
    story = make_story(title="Bus", text="The bus was late.")
    with pytest.raises(StatementError) as caught:
        db.session.execute(update(Segment).where(Segment.story_id == story.id).values(text="typed in SQL"))
    assert isinstance(caught.value.orig, UnsealedValue)
    db.session.rollback()
    with pytest.raises(StatementError):  # no SQL search over story words: they are ciphertext there
        db.session.scalars(select(Story.id).where(Story.title == "Bus")).all()
    db.session.rollback()


def test_an_edit_is_sealed_again_and_erasure_destroys_the_key(app_context, make_story, users):
    from accounts.models import User
    from governance import services

    story = make_story(title="Bus", text="The bus was late.")
    story.segments[0].text = "The tram was late."
    story.notes = "Seen at the tram stop."
    db.session.commit()
    assert b"tram" not in _raw("SELECT text FROM segments WHERE story_id = :i", i=story.id)
    db.session.expire_all()
    assert story.segments[0].text == "The tram was late." and story.notes == "Seen at the tram stop."
    key_id, sealed = story.key_id, _raw("SELECT notes FROM stories WHERE id = :i", i=story.id)
    services.erase_story(story, db.session.get(User, users["admin"].id))
    assert not storage().exists(shred.key_object(key_id))
    with pytest.raises(shred.KeyDestroyed):
        shred.open_bytes(sealed)


def test_a_page_of_many_segments_opens_quickly(app_context, make_story):
    story = make_story(title="Long", text="")
    for i in range(2000):
        story.segments.append(Segment(position=i, text=f"Sentence {i} of a long story about the bus.",
                                      words=[{"start": i, "end": i + 0.5, "text": "Sentence", "probability": 0.9}]))
    started = time.perf_counter()
    db.session.commit()
    sealed_in = time.perf_counter() - started
    db.session.expire_all()
    started = time.perf_counter()
    loaded = db.session.scalars(select(Segment).where(Segment.story_id == story.id)).all()
    assert len(loaded) == 2000 and loaded[5].words[0]["text"] == "Sentence"
    opened_in = time.perf_counter() - started
    print(f"\n2000 segments (4000 sealed values): sealed and written in {sealed_in * 1000:.0f} ms, "
          f"loaded and opened in {opened_in * 1000:.0f} ms")
    assert opened_in < 5.0


def test_retention_seals_what_is_left_under_a_new_key_and_destroys_the_old(app_context, make_story, users):
    """Retention deletes unredacted words of a story that lives on: the copies of them still in table
    files and WAL were sealed under a key that goes."""
    from datetime import date

    from governance.models import Redaction
    from governance.retention import delete_originals

    story = make_story(title="Bus", text="Dave Smith told me.", storyteller_name="Dave Smith", recorded_on=date(2020, 1, 1))
    db.session.add(Redaction(story_id=story.id, start_char=0, end_char=10, kind="name", text="Dave Smith"))
    db.session.commit()
    old_key = story.key_id
    unredacted = _raw("SELECT text FROM segments WHERE story_id = :i", i=story.id)
    delete_originals(story)
    db.session.expire_all()
    story = db.session.get(Story, story.id)
    assert story.key_id != old_key and not storage().exists(shred.key_object(old_key))
    assert story.transcript_text == "[name] told me." and story.title == "Bus"
    assert shred.key_id_of(_raw("SELECT title FROM stories WHERE id = :i", i=story.id)) == story.key_id
    shred.forget_cached_keys()
    with pytest.raises(shred.KeyDestroyed):
        shred.open_bytes(unredacted)


def test_a_key_left_by_a_rolled_back_story_is_swept_and_keys_in_use_stay(db_app, db_users):
    """A story whose creation rolled back leaves its key in the media store; the hourly clean-up
    deletes keys no story names once they are a day old (younger ones may belong to a transaction
    still open), and never a key a story uses."""
    import os

    from accounts.models import User
    from stories.media import sweep_unused_keys
    from tests import factories

    with db_app.app_context():
        reporter = db.session.get(User, db_users["reporter"].id)
        kept = factories.make_story(reporter, title="Kept", text="Kept words.")
        db.session.add(Story(title="Never saved", storyteller_role="service_user", reporter_id=reporter.id,
                             source_kind="text"))
        db.session.flush()  # the story's key is made here
        orphan = db.session.scalars(select(Story).where(Story.id != kept.id)).one().key_id
        db.session.rollback()
        store = storage()
        assert store.exists(shred.key_object(orphan))
        assert sweep_unused_keys() == 0  # not a day old yet: it may belong to an open transaction
        store.put_bytes(f"{shred.KEY_PREFIX}/notes.txt", b"an operator's file")  # not a key: left alone
        day_ago = time.time() - 25 * 3600
        for name in (shred.key_object(orphan), shred.key_object(kept.key_id), f"{shred.KEY_PREFIX}/notes.txt"):
            os.utime(store._path(name), (day_ago, day_ago))
        assert sweep_unused_keys() == 1
        assert not store.exists(shred.key_object(orphan))
        assert store.exists(shred.key_object(kept.key_id))
        db.session.expire_all()
        assert db.session.get(Story, kept.id).segments[0].text == "Kept words."
