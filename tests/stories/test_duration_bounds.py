"""A story's length is judged from its decoded sound, not from what its header
says, and is refused quickly when it is too long or when the two disagree."""
import io
import struct
import time
import wave
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import func, select

from stories.models import MediaFile
from extensions import db
from tests.conftest import sign_in
from tests.stories.conftest import upload_data
from tests.stories.silence import flac_silence


@pytest.fixture
def reporter(app, users):
    client = app.test_client()
    sign_in(client, users["reporter"].email)
    return client


def _upload(client, path_or_bytes, name):
    data = path_or_bytes if isinstance(path_or_bytes, bytes) else path_or_bytes.read_bytes()
    form = upload_data(Path(__file__))
    form["audio"] = [(io.BytesIO(data), name)]
    began = time.perf_counter()
    response = client.post("/stories/new/upload", data=form, content_type="multipart/form-data")
    return response, response.get_data(as_text=True).replace("\n", " "), time.perf_counter() - began


def test_ten_hours_of_silence_in_a_small_file_is_refused_quickly(app, reporter, tmp_path):
    path = flac_silence(tmp_path / "ten-hours.flac", 10 * 3600)
    assert path.stat().st_size < 3 * 1024 * 1024
    response, page, took = _upload(reporter, path, "ten-hours.flac")
    assert response.status_code == 422
    assert "10 hours" in page and "at most 3 hours" in page
    assert took < 10
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(MediaFile)) == 0


def test_a_header_that_understates_the_length_is_caught_by_decoding(app, reporter, tmp_path):
    path = flac_silence(tmp_path / "liar.flac", 10 * 3600, declared_seconds=60)
    response, page, took = _upload(reporter, path, "liar.flac")
    assert response.status_code == 422
    assert "says it is 1 minute long" in page and "more sound than that" in page
    assert took < 10  # decoding stopped soon after the declared length


def test_a_wav_header_claiming_an_hour_over_two_seconds_is_refused(app, reporter):
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(16000)
        w.writeframes((np.sin(np.arange(32000) / 10) * 8000).astype("<i2").tobytes())
    data = bytearray(buf.getvalue())
    claim = 3600 * 16000 * 2
    data[4:8], data[40:44] = struct.pack("<I", claim + 36), struct.pack("<I", claim)
    response, page, _ = _upload(reporter, bytes(data), "liar.wav")
    assert response.status_code == 422
    assert "says it is 1 hour long" in page and "2 seconds" in page


def test_the_limit_is_a_setting(tmp_path, users, app):
    from engines.audio import TooLongError, probe

    path = flac_silence(tmp_path / "ten-minutes.flac", 600)
    assert probe(path, max_seconds=3 * 3600).duration_s == 600
    with pytest.raises(TooLongError, match="at most 5 minutes"):
        probe(path, max_seconds=300)
    no_header = flac_silence(tmp_path / "unknown.flac", 600, declared_seconds=0)
    with pytest.raises(TooLongError, match="longer than 5 minutes"):
        probe(no_header, max_seconds=300)
