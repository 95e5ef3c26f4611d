"""Media storage: streamed in, stored by hash, encrypted at rest, decrypted exactly."""
import io
import os
import stat
from pathlib import Path

import pytest

from stories import media
from stories.media import MediaError, local_media_path, store_upload


def test_round_trip_is_exact_and_the_stored_file_reveals_no_audio(app, clips, tmp_path):
    original = clips["wav"].read_bytes()
    with app.app_context():
        stored = store_upload(io.BytesIO(original), "bus.wav", max_bytes=10 ** 8)
        assert stored.encrypted and stored.duration_s > 2 and stored.bytes == len(original)
        on_disk = Path(app.config["DATA_DIR"]) / stored.storage_path
        assert on_disk.parent.name == stored.sha256[:2] and on_disk.name == stored.sha256
        blob = on_disk.read_bytes()
        assert b"RIFF" not in blob[:64] and b"WAVE" not in blob and original[1000:1100] not in blob
        with local_media_path(stored) as plain:
            assert plain.read_bytes() == original
            assert plain.parent == Path(app.config["DATA_DIR"]) / "tmp"
        assert not plain.exists()
        # A byte range decrypts only what it needs, and exactly.
        assert b"".join(media.iter_plain(stored, 1000, 1099)) == original[1000:1100]
        key = Path(app.config["DATA_DIR"]) / "keys" / "media.key"
        assert stat.S_IMODE(key.stat().st_mode) == 0o600
    # A copy of the stored file, without the key, does not play.
    copy = tmp_path / "copy.wav"
    copy.write_bytes(blob)
    from engines.audio import NotAudioError, probe

    with pytest.raises(NotAudioError):
        probe(copy)


def test_mp3_copy_has_no_id3_magic(app, clips):
    data = clips["mp3"].read_bytes()
    with app.app_context():
        stored = store_upload(io.BytesIO(data), "flat.mp3", max_bytes=10 ** 8)
        blob = (Path(app.config["DATA_DIR"]) / stored.storage_path).read_bytes()
    assert not blob.startswith(b"ID3") and b"ID3" not in blob[:4096] and data[-200:] not in blob


def test_same_file_twice_is_stored_once(app, clips):
    data = clips["wav"].read_bytes()
    with app.app_context():
        from extensions import db

        first = store_upload(io.BytesIO(data), "a.wav", max_bytes=10 ** 8)
        db.session.commit()
        second = store_upload(io.BytesIO(data), "b.wav", max_bytes=10 ** 8)
        assert first.id == second.id


def test_tampered_file_does_not_decrypt(app, clips):
    with app.app_context():
        stored = store_upload(io.BytesIO(clips["wav"].read_bytes()), "bus.wav", max_bytes=10 ** 8)
        path = Path(app.config["DATA_DIR"]) / stored.storage_path
        blob = bytearray(path.read_bytes())
        blob[100] ^= 1
        path.write_bytes(bytes(blob))
        from cryptography.exceptions import InvalidTag

        with pytest.raises(InvalidTag):
            b"".join(media.iter_plain(stored))


def test_a_full_disk_gives_a_clear_message_and_leaves_nothing(app, clips, monkeypatch):
    class FullDisk(io.BufferedWriter):
        pass

    real_open_temp = media._open_temp

    def failing_open_temp(prefix):
        path, fh = real_open_temp(prefix)

        class Writer:
            def __enter__(self):
                return self

            def __exit__(self, *exc):
                fh.close()

            def write(self, block):
                raise OSError(28, "No space left on device")

        return path, Writer()

    monkeypatch.setattr(media, "_open_temp", failing_open_temp)
    with app.app_context():
        with pytest.raises(MediaError) as caught:
            store_upload(io.BytesIO(clips["wav"].read_bytes()), "bus.wav", max_bytes=10 ** 8)
    assert "run out of space" in caught.value.message and caught.value.status == 507
    root = Path(app.config["DATA_DIR"])
    assert not [p for p in (root / "tmp").glob("*")] and not (root / "media").exists()


def test_key_can_live_outside_the_data_folder(tmp_path, clips):
    from tests.conftest import build_app, reset_schema

    app = build_app(tmp_path / "data", MEDIA_KEY_FILE=str(tmp_path / "elsewhere" / "k.key"))
    reset_schema(app)
    with app.app_context():
        store_upload(io.BytesIO(clips["wav"].read_bytes()), "bus.wav", max_bytes=10 ** 8)
    assert (tmp_path / "elsewhere" / "k.key").stat().st_size == 32
    assert not (tmp_path / "data" / "keys" / "media.key").exists()
    assert os.path.exists(tmp_path / "data" / "media")
