"""Resumable uploads are encrypted as they arrive: a stored part never holds plaintext, and resuming stays exact."""
import io
from pathlib import Path

import pytest
from sqlalchemy import select

from engines.audio import AudioError, probe
from extensions import db
from stories.media import NONCE, TAG, local_media_path
from stories.models import Story, UploadSession
from tests.conftest import sign_in

OVERHEAD = NONCE + TAG  # per record object in the store
DETAILS = {"title": "Recorded", "storyteller_role": "peer_mentor", "language": "en",
           "consent_scopes": ["analysis"], "consent_method": "verbal",
           "consent_clip_start": "0:00", "consent_clip_end": "0:01"}


@pytest.fixture
def reporter(app, users):
    client = app.test_client()
    sign_in(client, users["reporter"].email)
    return client


def start(client, name="recording.wav") -> str:
    created = client.post("/api/v1/uploads", json={"filename": name, "content_type": "audio/wav"})
    assert created.status_code == 201
    return created.json["id"]


def part(app, upload_id) -> Path:
    """The folder of an upload's record objects (the default store is the data folder)."""
    return Path(app.config["DATA_DIR"]) / "uploads" / upload_id


def records(app, upload_id) -> list[Path]:
    return sorted(part(app, upload_id).iterdir())


def raw(app, upload_id) -> bytes:
    return b"".join(p.read_bytes() for p in records(app, upload_id))


def put(client, upload_id, offset, data):
    return client.put(f"/api/v1/uploads/{upload_id}?offset={offset}", data=data)


def finish_and_read_back(app, client, upload_id) -> bytes:
    finished = client.post(f"/api/v1/uploads/{upload_id}/finish", data=dict(DETAILS))
    assert finished.status_code == 201, finished.json
    with app.app_context():
        story = db.session.get(Story, finished.json["id"])
        with local_media_path(story.media) as plain:
            return plain.read_bytes()


def no_plaintext_left(app):
    tmp = Path(app.config["DATA_DIR"]) / "tmp"
    assert not tmp.exists() or not any(p.is_file() for p in tmp.iterdir())


def test_a_stored_part_holds_no_plaintext(app, reporter, clips):
    wav = clips["wav"].read_bytes()
    assert wav[:4] == b"RIFF" and wav[8:12] == b"WAVE"
    upload_id = start(reporter)
    first, second = wav[:16_000], wav[16_000:40_000]
    assert put(reporter, upload_id, 0, first).json["received"] == len(first)
    assert put(reporter, upload_id, len(first), second).json["received"] == len(first) + len(second)
    stored = raw(app, upload_id)
    assert b"RIFF" not in stored and b"WAVE" not in stored and b"fmt " not in stored and b"data" not in stored
    assert first[44:108] not in stored  # nor any run of the samples
    assert len(records(app, upload_id)) == 2  # one record per piece
    assert len(stored) == len(first) + len(second) + 2 * OVERHEAD
    with pytest.raises(AudioError):
        probe(records(app, upload_id)[0])
    assert reporter.get(f"/api/v1/uploads/{upload_id}").json["received"] == len(first) + len(second)


@pytest.mark.slow
def test_resume_after_a_dropped_piece_gives_the_exact_original(app, reporter, clips):
    data = clips["wav"].read_bytes()
    upload_id = start(reporter)
    pieces = [data[i:i + 9_000] for i in range(0, len(data), 9_000)]
    sent = 0
    for number, piece in enumerate(pieces):
        if number == 2:
            # The connection drops half way through this piece: nothing of it is counted.
            dropped = reporter.put(f"/api/v1/uploads/{upload_id}?offset={sent}", input_stream=io.BytesIO(piece[:4_000]),
                                   environ_overrides={"CONTENT_LENGTH": str(len(piece))},
                                   content_type="application/octet-stream")
            assert dropped.status_code == 400 and dropped.json["received"] == sent
            assert reporter.get(f"/api/v1/uploads/{upload_id}").json["received"] == sent
        if number == 3:
            # The next piece is sent as if the lost one had arrived: told where to carry on.
            ahead = put(reporter, upload_id, sent + len(piece), pieces[number + 1])
            assert ahead.status_code == 409 and ahead.json["received"] == sent
        response = put(reporter, upload_id, sent, piece)
        assert response.status_code == 200, response.json
        sent = response.json["received"]
        if number == 4:
            # The same piece retried (its reply was lost) from the server's offset is refused, not doubled.
            again = put(reporter, upload_id, sent - len(piece), piece)
            assert again.status_code == 409 and again.json["received"] == sent
    assert sent == len(data)
    assert finish_and_read_back(app, reporter, upload_id) == data
    assert not part(app, upload_id).exists()
    no_plaintext_left(app)


@pytest.mark.slow
def test_a_damaged_or_stray_record_is_discarded(app, reporter, clips):
    data = clips["wav"].read_bytes()
    upload_id = start(reporter)
    a, b, c = data[:10_000], data[10_000:25_000], data[25_000:]
    put(reporter, upload_id, 0, a)
    put(reporter, upload_id, len(a), b)
    second = records(app, upload_id)[1]
    # The second record was cut short (a disk fault): its tag does not check, so it is not counted.
    second.write_bytes(second.read_bytes()[:-700])
    status = reporter.get(f"/api/v1/uploads/{upload_id}")
    assert status.json["received"] == len(a)
    assert len(records(app, upload_id)) == 1  # cut back to the last whole record
    # Sending at the old offset is refused with the server's offset; from there it works.
    stale = put(reporter, upload_id, len(a) + len(b), c)
    assert stale.status_code == 409 and stale.json["received"] == len(a)
    assert put(reporter, upload_id, len(a), b).json["received"] == len(a) + len(b)
    # Bytes that never reached the disk (zeros) do not decrypt: dropped too.
    second = records(app, upload_id)[1]
    blob = second.read_bytes()
    second.write_bytes(blob[:-50] + b"\0" * 50)
    assert reporter.get(f"/api/v1/uploads/{upload_id}").json["received"] == len(a)
    # A record after a gap does not count and is removed.
    (part(app, upload_id) / "00000005").write_bytes(blob)
    assert put(reporter, upload_id, len(a), b + c).json["received"] == len(data)
    with app.app_context():
        assert db.session.get(UploadSession, upload_id).received == len(data)
    assert finish_and_read_back(app, reporter, upload_id) == data
    no_plaintext_left(app)


def test_a_piece_too_large_is_refused_with_the_cap_in_the_message(app, reporter):
    app.config["UPLOAD_PUT_MAX_BYTES"] = 64 * 1024
    upload_id = start(reporter)
    assert put(reporter, upload_id, 0, b"a" * 1000).json["received"] == 1000
    big = put(reporter, upload_id, 1000, b"b" * 100_000)
    assert big.status_code == 413 and big.json["received"] == 1000
    assert "at most 64 KB at a time" in big.json["message"]
    assert len(raw(app, upload_id)) == 1000 + OVERHEAD


def test_records_are_bound_to_their_upload_and_order(app, reporter, clips):
    data = clips["wav"].read_bytes()[:20_000]
    one, two = start(reporter), start(reporter)
    for upload_id in (one, two):
        put(reporter, upload_id, 0, data[:10_000])
        put(reporter, upload_id, 10_000, data[10_000:])
    # A record copied from another upload does not decrypt: it is not counted, and finish refuses it.
    records(app, two)[1].write_bytes(records(app, one)[0].read_bytes())
    assert reporter.get(f"/api/v1/uploads/{two}").json["received"] == 10_000
    # Swapping two records of the same upload fails the tag check at finish.
    first, second = records(app, one)
    blobs = first.read_bytes(), second.read_bytes()
    first.write_bytes(blobs[1])
    second.write_bytes(blobs[0])
    refused = reporter.post(f"/api/v1/uploads/{one}/finish", data=dict(DETAILS))
    assert refused.status_code == 400 and "damaged" in refused.json["message"]
    no_plaintext_left(app)
    with app.app_context():
        assert db.session.scalars(select(Story)).all() == []
