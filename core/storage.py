"""Where media objects live: the data folder by default, or any S3-compatible store.

    store = storage()                          # the app's store (cached per app)
    store.put_file("media/ab/abcd…", path)     # whole objects, written atomically
    with store.open_range(key, 0, 99) as body:  # ranged reads: bytes 0..99 inclusive
        body.read(100)

Keys are relative, "/"-separated paths ("media/…", "uploads/<id>/…", "clips/<story>/…",
"packs/…", "enrolment/…"). The store only ever receives ciphertext: callers go
through `core.sealed`, which encrypts with the media key before anything is put here.

`FLASK_MEDIA_STORAGE` chooses the store: unset (or `file:`) for `DATA_DIR`, or
`s3://BUCKET/PREFIX` with `FLASK_S3_ENDPOINT_URL` for a store that is not AWS
(MinIO, Ceph, Garage, moto…). Credentials come the standard boto3 way (environment,
`~/.aws/credentials`, instance role). Deleting an object deletes every version of it
when the bucket keeps versions, so erasure leaves nothing to restore.
"""
from __future__ import annotations

import io
import os
import secrets
import shutil
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import BinaryIO, Iterator


class StorageError(Exception):
    """The media store refused or could not be reached."""


@dataclass(frozen=True)
class StoredObject:
    key: str
    size: int
    modified: datetime


def check_key(key: str) -> str:
    parts = key.split("/")
    if not key or key.startswith("/") or any(p in ("", ".", "..") for p in parts) or "\\" in key:
        raise StorageError(f"Not a valid storage key: {key!r}")
    return key


class FileStorage:
    """Objects as files under one folder (DATA_DIR by default), mode 600, written atomically."""

    kind = "file"

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    def describe(self) -> str:
        return f"file:{self.root}"

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def put_file(self, key: str, src: str | os.PathLike) -> None:
        with open(src, "rb") as fh:
            self._put_stream(key, fh)

    def put_bytes(self, key: str, data: bytes) -> None:
        self._put_stream(key, io.BytesIO(data))

    def _put_stream(self, key: str, stream: BinaryIO) -> None:
        final = self._path(key)
        final.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        partial = final.with_name(f".{final.name}.{secrets.token_hex(4)}.partial")
        try:
            fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as out:
                shutil.copyfileobj(stream, out, 256 * 1024)
                out.flush()
                os.fsync(out.fileno())
            partial.replace(final)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise

    @contextmanager
    def open_range(self, key: str, start: int = 0, end: int | None = None) -> Iterator[BinaryIO]:
        """A readable stream of bytes [start, end] (inclusive; end None = to the end)."""
        try:
            fh = open(self._path(key), "rb")
        except FileNotFoundError as exc:
            raise StorageError(f"No stored object {key}") from exc
        with fh:
            fh.seek(start)
            if end is None:
                yield fh
            else:
                yield io.BytesIO(fh.read(end - start + 1))

    def read_bytes(self, key: str) -> bytes:
        with self.open_range(key) as body:
            return body.read()

    def size(self, key: str) -> int | None:
        try:
            return self._path(key).stat().st_size
        except FileNotFoundError:
            return None

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def download(self, key: str, dest: str | os.PathLike) -> None:
        with self.open_range(key) as body, open(dest, "wb") as out:
            shutil.copyfileobj(body, out, 256 * 1024)

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def delete_prefix(self, prefix: str) -> int:
        folder = self._path(prefix.rstrip("/"))
        count = sum(1 for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else 0
        shutil.rmtree(folder, ignore_errors=True)
        return count

    def list(self, prefix: str) -> list[StoredObject]:
        folder = self._path(prefix.rstrip("/"))
        if not folder.is_dir():
            return []
        found = []
        for path in folder.rglob("*"):
            if path.is_file() and not path.name.endswith(".partial"):
                stat = path.stat()
                found.append(StoredObject(path.relative_to(self.root).as_posix(), stat.st_size,
                                          datetime.fromtimestamp(stat.st_mtime, timezone.utc)))
        return sorted(found, key=lambda o: o.key)

    def check(self) -> None:
        if not os.access(self.root, os.W_OK):
            raise StorageError(f"{self.root} is not writable")


class S3Storage:
    """Objects in an S3-compatible bucket under a prefix."""

    kind = "s3"

    def __init__(self, bucket: str, prefix: str = "", endpoint_url: str | None = None, client=None):
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        if client is None:
            import boto3
            from botocore.config import Config

            client = boto3.client("s3", endpoint_url=endpoint_url or None,
                                  config=Config(retries={"max_attempts": 4, "mode": "standard"},
                                                max_pool_connections=32))
        self.client = client
        self._versioned: bool | None = None

    def describe(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"

    def _key(self, key: str) -> str:
        return self.prefix + check_key(key)

    def put_file(self, key: str, src: str | os.PathLike) -> None:
        with open(src, "rb") as fh:
            self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=fh)

    def put_bytes(self, key: str, data: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=data)

    @contextmanager
    def open_range(self, key: str, start: int = 0, end: int | None = None) -> Iterator[BinaryIO]:
        args = {"Bucket": self.bucket, "Key": self._key(key)}
        if start or end is not None:
            args["Range"] = f"bytes={start}-{'' if end is None else end}"
        try:
            body = self.client.get_object(**args)["Body"]
        except self.client.exceptions.NoSuchKey as exc:
            raise StorageError(f"No stored object {key}") from exc
        try:
            yield body
        finally:
            body.close()

    def read_bytes(self, key: str) -> bytes:
        with self.open_range(key) as body:
            return body.read()

    def size(self, key: str) -> int | None:
        from botocore.exceptions import ClientError

        try:
            return int(self.client.head_object(Bucket=self.bucket, Key=self._key(key))["ContentLength"])
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise

    def exists(self, key: str) -> bool:
        return self.size(key) is not None

    def download(self, key: str, dest: str | os.PathLike) -> None:
        self.client.download_file(self.bucket, self._key(key), str(dest))

    def versioned(self) -> bool:
        if self._versioned is None:
            status = self.client.get_bucket_versioning(Bucket=self.bucket).get("Status")
            self._versioned = status in ("Enabled", "Suspended")
        return self._versioned

    def delete(self, key: str) -> None:
        full = self._key(key)
        if not self.versioned():
            self.client.delete_object(Bucket=self.bucket, Key=full)
            return
        self._delete_versions(full, exact=True)

    def _delete_versions(self, prefix: str, exact: bool) -> int:
        count = 0
        paginator = self.client.get_paginator("list_object_versions")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
            doomed = [{"Key": v["Key"], "VersionId": v["VersionId"]}
                      for v in page.get("Versions", []) + page.get("DeleteMarkers", [])
                      if not exact or v["Key"] == prefix]
            for i in range(0, len(doomed), 1000):
                self.client.delete_objects(Bucket=self.bucket, Delete={"Objects": doomed[i:i + 1000], "Quiet": True})
            count += len(doomed)
        return count

    def delete_prefix(self, prefix: str) -> int:
        full = self._key(prefix.rstrip("/")) + "/"
        if self.versioned():
            return self._delete_versions(full, exact=False)
        keys = [{"Key": self._key(o.key)} for o in self.list(prefix)]
        for i in range(0, len(keys), 1000):
            self.client.delete_objects(Bucket=self.bucket, Delete={"Objects": keys[i:i + 1000], "Quiet": True})
        return len(keys)

    def list(self, prefix: str) -> list[StoredObject]:
        full = self._key(prefix.rstrip("/")) + "/"
        found = []
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=full):
            for item in page.get("Contents", []):
                found.append(StoredObject(item["Key"][len(self.prefix):], int(item["Size"]), item["LastModified"]))
        return sorted(found, key=lambda o: o.key)

    def check(self) -> None:
        self.client.head_bucket(Bucket=self.bucket)


def storage_from_settings(setting: str | None, data_dir: str | os.PathLike, endpoint_url: str | None = None):
    """The store a `MEDIA_STORAGE` setting names."""
    setting = (setting or "").strip()
    if not setting or setting in ("file", "file:"):
        return FileStorage(data_dir)
    if setting.startswith("file:"):
        return FileStorage(setting[len("file:"):])
    if setting.startswith("s3://"):
        bucket, _, prefix = setting[len("s3://"):].partition("/")
        if not bucket:
            raise StorageError("FLASK_MEDIA_STORAGE=s3://BUCKET/PREFIX needs a bucket name.")
        return S3Storage(bucket, prefix, endpoint_url)
    raise StorageError(f"FLASK_MEDIA_STORAGE must be empty, file:PATH or s3://BUCKET/PREFIX, not {setting!r}")


def storage(app=None):
    """The app's media store, made once per app."""
    if app is None:
        from flask import current_app

        app = current_app._get_current_object()
    store = app.extensions.get("storage")
    if store is None:
        store = storage_from_settings(app.config.get("MEDIA_STORAGE"), app.config["DATA_DIR"],
                                      app.config.get("S3_ENDPOINT_URL"))
        app.extensions["storage"] = store
    return store
