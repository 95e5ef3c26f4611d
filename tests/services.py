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
