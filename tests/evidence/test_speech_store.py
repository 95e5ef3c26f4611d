"""Speech made by espeak-ng (the consent text, a story's "you said, we did" summary) is kept only in
the media store, sealed like clips, and a story's speech goes when the story is withdrawn or erased."""
from __future__ import annotations

import io
import wave
from pathlib import Path

from extensions import db
from stories.models import Story
from tests import factories


def speech_objects(prefix: str = "speech/") -> list:
    from core.storage import storage

    return storage().list(prefix)


def assert_sealed(key: str) -> None:
    from core import sealed
    from core.storage import storage

    raw = storage().read_bytes(key)
    assert raw.startswith(sealed.MAGIC) and b"RIFF" not in raw[:64]


def plays(wav: bytes) -> bool:
    with wave.open(io.BytesIO(wav)) as w:
        return w.getnframes() / w.getframerate() > 0.5


def test_consent_speech_is_sealed_in_the_media_store_and_no_plain_wav_is_left_in_the_data_folder(app, users):
    from evidence import yousaid

    with app.app_context():
        first = yousaid.speech_wav("You can say yes or no to each one.", cache=True)
        again = yousaid.speech_wav("You can say yes or no to each one.", cache=True)
        objects = speech_objects()
        data_dir = Path(app.config["DATA_DIR"])
    assert plays(first) and again == first
    assert len(objects) == 1 and objects[0].key.startswith("speech/consent/")
    with app.app_context():
        assert_sealed(objects[0].key)
    plain = [p for p in data_dir.rglob("*") if p.is_file() and p.read_bytes()[:4] == b"RIFF"]
    assert not plain, plain  # no speech in the clear anywhere in the data folder


def test_a_storys_summary_speech_is_cached_sealed_under_the_story_and_replaced_when_the_words_change(app, users):
    from accounts.models import User
    from evidence import yousaid

    with app.app_context():
        story = factories.make_story(db.session.get(User, users["reporter"].id))
        first = yousaid.speech_wav("Your story is in the theme on buses.", story_id=story.id)
        assert yousaid.speech_wav("Your story is in the theme on buses.", story_id=story.id) == first
        [kept] = speech_objects(f"speech/stories/{story.id}/")
        assert_sealed(kept.key)
        changed = yousaid.speech_wav("Your story is in the theme on buses. The passes are done.", story_id=story.id)
        [now] = speech_objects(f"speech/stories/{story.id}/")
    assert plays(first) and plays(changed) and changed != first and now.key != kept.key


def test_withdrawal_and_erasure_delete_a_storys_speech(app, users):
    from accounts.models import User
    from evidence import yousaid
    from governance.consent import withdraw_consent
    from governance.erasure import erase_story

    with app.app_context():
        reporter = db.session.get(User, users["reporter"].id)
        withdrawn, erased, other = (factories.make_story(reporter, title=t) for t in ("One", "Two", "Three"))
        for story in (withdrawn, erased, other):
            yousaid.speech_wav(f"Story {story.id} is in two themes.", story_id=story.id)
        yousaid.speech_wav("You can say yes or no to each one.", cache=True)
        withdraw_consent(db.session.get(Story, withdrawn.id), actor=reporter)
        erase_story(db.session.get(Story, erased.id), actor=reporter)
        left = {o.key.split("/")[1] + "/" + o.key.split("/")[2] for o in speech_objects()}
    assert f"stories/{withdrawn.id}" not in left and f"stories/{erased.id}" not in left
    assert f"stories/{other.id}" in left and any(k.startswith("consent/") for k in left)
