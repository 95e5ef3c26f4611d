"""Lock-out is counted atomically per account and per (address, account); one
address never locks out other accounts; unknown emails cost the same as known
ones; the client address comes from a configured number of proxy hops."""
import threading
import time
from datetime import timedelta

import pytest

from accounts import signin
from accounts.models import LoginAttempt
from core.timeutil import utcnow
from extensions import db
from tests import factories
from tests.conftest import build_app, reset_schema

WRONG = "wrong-password-1"


def _post(client, email, password, ip="10.0.0.1"):
    return client.post("/login", data={"email": email, "password": password}, environ_base={"REMOTE_ADDR": ip})


@pytest.mark.real_commits  # threads on their own connections
def test_sixteen_parallel_guesses_are_held_to_the_limit(db_app, db_users):
    """16 threads guess at once; only LOGIN_MAX_FAILURES are even checked, and
    afterwards the right password is refused too."""
    email = db_users["reporter"].email
    limit = db_app.config["LOGIN_MAX_FAILURES"]
    codes, start = [], threading.Barrier(16)

    def guess():
        client = db_app.test_client()
        start.wait()
        codes.append(_post(client, email, WRONG).status_code)

    threads = [threading.Thread(target=guess) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(codes) == [401] * limit + [429] * (16 - limit)
    with db_app.app_context():
        checked = db.session.scalar(db.select(db.func.count(LoginAttempt.id)).where(LoginAttempt.succeeded.is_(False)))
        assert checked == limit
        db.session.remove()
    assert _post(db_app.test_client(), email, factories.PASSWORD).status_code == 429


def test_a_correct_password_inside_a_burst_is_not_let_through_past_the_limit(db_app, db_users):
    email = db_users["manager"].email
    limit = db_app.config["LOGIN_MAX_FAILURES"]
    client = db_app.test_client()
    for _ in range(limit):
        _post(client, email, WRONG)
    assert _post(client, email, factories.PASSWORD).status_code == 429


def test_one_address_never_locks_out_other_accounts(app, users):
    client = app.test_client()
    for n in range(30):  # one office PC (or a proxy), many wrong guesses at many accounts
        _post(client, f"someone{n}@example.org", WRONG, ip="10.9.9.9")
        _post(client, users["reporter"].email, WRONG, ip="10.9.9.9")
    assert _post(client, users["manager"].email, factories.PASSWORD, ip="10.9.9.9").status_code == 302


def test_guesses_from_one_address_leave_the_account_open_from_another(app, users):
    email = users["reporter"].email
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        _post(app.test_client(), email, WRONG, ip="10.6.6.6")
    assert _post(app.test_client(), email, factories.PASSWORD, ip="10.6.6.6").status_code == 429
    assert _post(app.test_client(), email, factories.PASSWORD, ip="10.1.1.1").status_code == 302


def test_guesses_from_many_addresses_lock_the_account_everywhere(app, users):
    email = users["reporter"].email
    for n in range(app.config["LOGIN_MAX_FAILURES"] * 4):
        _post(app.test_client(), email, WRONG, ip=f"10.7.{n}.1")
    assert _post(app.test_client(), email, factories.PASSWORD, ip="10.1.1.1").status_code == 429


def test_the_lock_ends_after_the_window_and_old_attempts_are_pruned(tmp_path, monkeypatch):
    # The sign-in clock stands still until the test moves it (a slow machine once let a one-second window
    # pass between the guesses, so the lock never came).
    now = [utcnow()]
    monkeypatch.setattr(signin, "utcnow", lambda: now[0])
    app = build_app(tmp_path / "d", LOGIN_WINDOW_SECONDS=60)
    reset_schema(app)
    with app.app_context():
        factories.make_user("reporter", email="r@example.org")
    client = app.test_client()
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        _post(client, "r@example.org", WRONG)
    assert _post(client, "r@example.org", factories.PASSWORD).status_code == 429
    now[0] += timedelta(seconds=59)
    assert _post(client, "r@example.org", factories.PASSWORD).status_code == 429
    now[0] += timedelta(seconds=2)
    assert _post(client, "r@example.org", factories.PASSWORD).status_code == 302
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(LoginAttempt.id))) == 1  # the old failures are gone


def test_an_unknown_email_costs_as_much_as_a_known_one(tmp_path):
    # Real (production) argon2 settings, so the difference would show.
    app = build_app(tmp_path / "d", ARGON2_PARAMS={})
    reset_schema(app)
    with app.app_context():
        factories.make_user("reporter", email="known@example.org")
    client = app.test_client()
    _post(client, "warm@example.org", WRONG, ip="10.0.0.9")  # first call builds the dummy hash

    def median(email):
        times = []
        for n in range(5):
            began = time.perf_counter()
            _post(client, email, WRONG, ip=f"10.3.{n}.{len(email)}")
            times.append(time.perf_counter() - began)
        return sorted(times)[2]

    known, unknown = median("known@example.org"), median("nobody@example.org")
    assert unknown > known * 0.5, (known, unknown)


@pytest.mark.parametrize("hops, expected", [(0, "127.0.0.1"), (1, "203.0.113.7")])
def test_the_client_address_comes_from_the_trusted_proxy_hops(tmp_path, hops, expected):
    app = build_app(tmp_path / "d", TRUSTED_PROXY_HOPS=hops)
    reset_schema(app)
    client = app.test_client()
    client.post("/login", data={"email": "x@example.org", "password": WRONG},
                headers={"X-Forwarded-For": "198.51.100.1, 203.0.113.7"})
    with app.app_context():
        assert db.session.scalars(db.select(LoginAttempt.ip)).one() == expected
