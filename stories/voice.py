"""Reporter voice enrolment: a short consented sample, kept only as a sealed voice embedding.

The sample arrives as the body of one request (read into memory, never spooled to disk), is
sealed (core/sealed.py) into the media store at once, and the job `stories.enrol_voice` learns the
voice from a scratch copy in the worker (resemblyzer, `engines.diarize.voice_embedding`). Then the
sample is deleted: what stays is the embedding, AES-256-GCM under the media key with the reporter's
id as associated data, so it cannot be read from the database or moved to another reporter.
Diarization (`stories.tasks._name_speakers`) labels the voice that matches it "Reporter".
"""
from __future__ import annotations

import json
import os
import secrets

from audit.services import record
from extensions import db
from stories.models import VoiceEnrolment
from stories.services import StoryError

ENROL = "stories.enrol_voice"
MAX_SAMPLE_BYTES = 4 * 1024 * 1024  # about a minute of browser audio: plenty for 10-30 s
MIN_SAMPLE_BYTES = 1024
NONCE = 12


def _aad(user_id: int) -> bytes:
    return f"storyloom.voice:{int(user_id)}".encode()


def seal_embedding(vector, user_id: int) -> bytes:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    from core.sealed import media_key

    nonce = os.urandom(NONCE)
    plain = json.dumps([round(float(x), 6) for x in vector]).encode()
    return nonce + AESGCM(media_key()).encrypt(nonce, plain, _aad(user_id))


def open_embedding(blob: bytes, user_id: int) -> list[float]:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    from core.sealed import media_key

    return json.loads(AESGCM(media_key()).decrypt(blob[:NONCE], blob[NONCE:], _aad(user_id)))


def enrolment_for(user_id: int) -> VoiceEnrolment | None:
    return db.session.get(VoiceEnrolment, user_id)


def enrolled_embedding(user_id) -> list[float] | None:
    """The reporter's learned voice, or None (no enrolment, not learned yet, or it failed)."""
    row = enrolment_for(user_id) if user_id is not None else None
    if row is None or row.state != "ready" or not row.embedding:
        return None
    return open_embedding(row.embedding, row.user_id)


def _drop_sample(row: VoiceEnrolment) -> None:
    if row.sample_key:
        from core.storage import storage

        storage().delete(row.sample_key)
        row.sample_key = ""


def start_enrolment(user, sample: bytes, *, consented: bool):
    """Seal the sample into the store, mark the enrolment pending and queue the worker to learn it."""
    from core.sealed import seal_bytes
    from core.storage import storage
    from jobs.services import start_job

    if not consented:
        raise StoryError("Please tick the box to say you agree to your voice sample being used.", 400)
    if len(sample) < MIN_SAMPLE_BYTES:
        raise StoryError("The recording is empty or too short. Please record about 20 seconds.", 400)
    if len(sample) > MAX_SAMPLE_BYTES:
        raise StoryError("The recording is too long. Please record about 20 seconds.", 413)
    row = enrolment_for(user.id) or VoiceEnrolment(user_id=user.id)
    _drop_sample(row)
    row.sample_key = f"voices/{user.id}/{secrets.token_hex(8)}.sealed"
    storage().put_bytes(row.sample_key, seal_bytes(sample))
    row.state, row.error, row.embedding = "pending", "", None
    db.session.add(row)
    record("voice.enrolment_started", object_type="users", object_id=user.id, actor=user,
           summary="voice sample recorded with consent; sealed until the worker learns it")
    db.session.commit()
    return start_job(ENROL, subject_type="user", subject_id=user.id, user=user)


def remove_enrolment(user) -> bool:
    """Forget the reporter's voice (the embedding and any sample still waiting)."""
    from core.lifecycle import Leftovers, after_commit

    left = Leftovers()
    if not forget_voice(user.id, user, left.files):
        return False
    db.session.commit()
    after_commit(left)
    return True


def forget_voice(user_id: int, actor, files: list) -> bool:
    """Delete the person's enrolment row (flush only); the sealed sample's key goes into `files` to delete
    after the commit. False when there was none."""
    row = enrolment_for(user_id)
    if row is None:
        return False
    if row.sample_key:
        files.append(row.sample_key)
    db.session.delete(row)
    record("voice.enrolment_removed", object_type="users", object_id=user_id, actor=actor, summary="voice forgotten")
    db.session.flush()
    return True


def voice_held(user_id: int) -> dict:
    """For a person's subject access: their enrolment and the learned embedding, opened."""
    row = enrolment_for(user_id)
    if row is None:
        return {"enrolled": False}
    return {"enrolled": True, "state": row.state, "consented_at": row.consented_at.isoformat() + "Z",
            "sample_waiting": bool(row.sample_key),
            "embedding": open_embedding(row.embedding, user_id) if row.embedding else None}


def learn_voice(user_id: int, report) -> dict:
    """Worker: learn the embedding from a scratch copy of the sealed sample, keep it sealed, delete the sample."""
    from core.sealed import plain_copy
    from core.storage import storage
    from engines.diarize import voice_embedding
    from stories.media import tmp_dir

    row = enrolment_for(user_id)
    if row is None or not row.sample_key:
        return {"learned": False}
    report(10, "Listening to the voice sample")
    try:
        with plain_copy(storage(), row.sample_key, tmp_dir(), suffix=".audio") as path:
            vector = voice_embedding(path)
    except Exception as exc:  # no speech, or not audio at all: said plainly, nothing kept
        row.state = "failed"
        row.error = ("No voice could be heard in that recording. Please record again somewhere quiet, "
                     "speaking for about 20 seconds.")
        _drop_sample(row)
        db.session.commit()
        from jobs.runner import JobError

        raise JobError(row.error) from exc
    row.embedding, row.state = seal_embedding(vector, user_id), "ready"
    _drop_sample(row)
    record("voice.enrolment_learned", object_type="users", object_id=user_id, actor=None,
           summary="voice learned; the sample was deleted")
    db.session.commit()
    return {"learned": True, "dimensions": len(vector)}
