"""The media store: the same contract on the data folder and on a real S3 API, ciphertext only,
ranged playback, and erasure that leaves no object or version behind."""
from __future__ import annotations

import io
from pathlib import Path

import boto3
import pytest

from core.storage import FileStorage, S3Storage, StorageError, storage_from_settings
from extensions import db
from stories.models import Segment, Story
from tests.conftest import sign_in
from tests.services import make_bucket


@pytest.fixture(params=["file", "s3"])
def store(request, tmp_path):
    if request.param == "file":
        return FileStorage(tmp_path / "store")
    endpoint = request.getfixturevalue("s3_endpoint")
    return storage_from_settings(f"s3://{make_bucket(endpoint)}/pre/fix", tmp_path, endpoint)


def test_both_stores_keep_the_same_contract(store):
    store.put_bytes("media/ab/one", b"0123456789")
    store.put_bytes("uploads/u1/00000000", b"first")
    store.put_bytes("uploads/u1/00000001", b"second")
    assert store.size("media/ab/one") == 10 and store.size("media/ab/none") is None
    assert store.exists("media/ab/one") and not store.exists("media/ab/none")
    with store.open_range("media/ab/one", 2, 5) as body:
        assert body.read() == b"2345"
    with store.open_range("media/ab/one", 7) as body:
        assert body.read() == b"789"
    assert [(o.key, o.size) for o in store.list("uploads/u1")] == [("uploads/u1/00000000", 5), ("uploads/u1/00000001", 6)]
    assert store.list("uploads/u2") == []
    assert store.delete_prefix("uploads/u1") == 2 and store.list("uploads") == []
    store.delete("media/ab/one")
    store.delete("media/ab/one")  # deleting twice is fine
    assert not store.exists("media/ab/one")
    with pytest.raises(StorageError):
        store.open_range("media/ab/one").__enter__()
    for bad in ("../escape", "/abs", "a//b", "a/./b", ""):
        with pytest.raises(StorageError):
            store.put_bytes(bad, b"x")


def test_deleting_from_a_versioned_bucket_leaves_no_version(s3_endpoint, tmp_path):
    bucket = make_bucket(s3_endpoint, versioned=True)
    store = S3Storage(bucket, "p", s3_endpoint)
    store.put_bytes("media/aa/x", b"v1")
    store.put_bytes("media/aa/x", b"v2")
    store.put_bytes("clips/7/a.mp3.sealed", b"c1")
    store.put_bytes("clips/7/b.mp3.sealed", b"c2")
    store.put_bytes("clips/70/keep.mp3.sealed", b"other story")
    client = boto3.client("s3", endpoint_url=s3_endpoint)
    assert len(client.list_object_versions(Bucket=bucket, Prefix="p/media/aa/x")["Versions"]) == 2
    store.delete("media/aa/x")
    store.delete_prefix("clips/7")
    left = client.list_object_versions(Bucket=bucket)
    keys = {v["Key"] for v in left.get("Versions", []) + left.get("DeleteMarkers", [])}
    assert keys == {"p/clips/70/keep.mp3.sealed"}


def _objects(app) -> dict[str, bytes]:
    client = boto3.client("s3", endpoint_url=app.config["S3_ENDPOINT_URL"])
    bucket = app.config["TEST_BUCKET"]
    listed = client.list_objects_v2(Bucket=bucket).get("Contents", [])
    return {o["Key"]: client.get_object(Bucket=bucket, Key=o["Key"])["Body"].read() for o in listed}


def _versions(app) -> set[str]:
    client = boto3.client("s3", endpoint_url=app.config["S3_ENDPOINT_URL"])
    left = client.list_object_versions(Bucket=app.config["TEST_BUCKET"])
    return {v["Key"] for v in left.get("Versions", []) + left.get("DeleteMarkers", [])}


def test_on_s3_the_bucket_sees_only_ciphertext_playback_is_ranged_and_erasure_leaves_nothing(s3_app, clips):
    from accounts.models import User
    from governance import services as governance
    from governance.clips import redacted_clip_file
    from stories.media import store_upload
    from tests import factories

    app = s3_app
    wav = clips["wav"].read_bytes()
    with app.app_context():
        reporter = factories.make_user("reporter", email="r@example.org")
        admin = factories.make_user("admin", email="a@example.org")
        story = factories.make_story(reporter, text="")
        story.source_kind = "audio"
        story.media = store_upload(io.BytesIO(wav), "bus.wav", max_bytes=10**8)
        story.segments = [Segment(position=0, start=0.2, end=1.5, text=" The bus to the probation office.")]
        db.session.commit()
        story_id, reporter_email, admin_id = story.id, reporter.email, admin.id
    objects = _objects(app)
    assert [k for k in objects if k.startswith("site/media/")], objects.keys()
    for blob in objects.values():
        assert b"RIFF" not in blob and b"WAVE" not in blob and wav[2000:2064] not in blob
    assert not (Path(app.config["DATA_DIR"]) / "media").exists()  # nothing on the local disk
    client = app.test_client()
    sign_in(client, reporter_email)
    whole = client.get(f"/stories/{story_id}/audio")
    assert whole.status_code == 200 and whole.data == wav
    part = client.get(f"/stories/{story_id}/audio", headers={"Range": "bytes=1000-1999"})
    assert part.status_code == 206 and part.data == wav[1000:2000]
    # A resumable upload keeps its parts in the bucket too, encrypted.
    created = client.post("/api/v1/uploads", json={"filename": "r.wav", "content_type": "audio/wav"}).json
    assert client.put(f"/api/v1/uploads/{created['id']}?offset=0", data=wav[:9000]).json["received"] == 9000
    parts = [k for k in _objects(app) if k.startswith(f"site/uploads/{created['id']}/")]
    assert len(parts) == 1 and b"RIFF" not in _objects(app)[parts[0]]
    with app.app_context():
        story = db.session.get(Story, story_id)
        key = redacted_clip_file(story, 0.2, 1.2)
        assert key.startswith(f"clips/{story_id}/") and f"site/{key}" in _objects(app)
        assert b"ID3" not in _objects(app)[f"site/{key}"][:64]  # sealed, not a bare MP3
        governance.erase_story(story, db.session.get(User, admin_id))
    left = _versions(app)
    assert not [k for k in left if k.startswith(("site/media/", "site/clips/"))], left
