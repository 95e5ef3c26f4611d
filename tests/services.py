"""Reaching the PostgreSQL and Redis the suite also runs against.

When STORYLOOM_REQUIRE_SERVICES=1 (set by .ci/run) an unreachable service
fails the test instead of skipping it."""
from __future__ import annotations

import os
import uuid

import pytest

REQUIRE_SERVICES = os.environ.get("STORYLOOM_REQUIRE_SERVICES") == "1"
PG_ADMIN_URL = os.environ.get("STORYLOOM_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("STORYLOOM_TEST_REDIS", "redis://127.0.0.1:6379/15")


def unavailable(name: str, exc: Exception):
    message = f"{name} is not reachable: {exc}"
    if REQUIRE_SERVICES:
        pytest.fail(f"{message} (STORYLOOM_REQUIRE_SERVICES=1)", pytrace=False)
    pytest.skip(message)


def create_pg_database() -> str:
    """Create a fresh database on the test server; return its URL."""
    from sqlalchemy import create_engine, text

    name = f"storyloom_test_{uuid.uuid4().hex[:10]}"
    try:
        engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
    except Exception as exc:  # connection refused, auth, driver
        unavailable("PostgreSQL", exc)
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


def drop_pg_database(url: str) -> None:
    from sqlalchemy import create_engine, text

    name = url.rsplit("/", 1)[1]
    engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def redis_url_or_skip() -> str:
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except Exception as exc:
        unavailable("Redis", exc)
    return REDIS_URL


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


S3_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "storyloom-test", "AWS_SECRET_ACCESS_KEY": "storyloom-test",
                  "AWS_DEFAULT_REGION": "us-east-1"}


def start_moto_server():
    """Start moto's S3 server on a free 127.0.0.1 port; returns (process, endpoint URL)."""
    import subprocess
    import sys
    import time
    import urllib.request
    from pathlib import Path

    binary = Path(sys.executable).with_name("moto_server")
    port = free_port()
    try:
        process = subprocess.Popen([str(binary), "-H", "127.0.0.1", "-p", str(port)],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except OSError as exc:
        unavailable("moto S3 server", exc)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(url + "/moto-api/", timeout=1).close()
            return process, url
        except Exception as exc:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                unavailable("moto S3 server", exc)
            time.sleep(0.2)


@pytest.fixture(scope="session")
def s3_endpoint():
    """A real S3 API (moto_server) on loopback for the session; credentials set the standard boto3 way."""
    for name, value in S3_CREDENTIALS.items():
        os.environ.setdefault(name, value)
    process, url = start_moto_server()
    yield url
    process.terminate()
    process.wait(10)


def make_bucket(endpoint: str, versioned: bool = False) -> str:
    import boto3

    name = f"storyloom-{uuid.uuid4().hex[:10]}"
    client = boto3.client("s3", endpoint_url=endpoint)
    client.create_bucket(Bucket=name)
    if versioned:
        client.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    return name
