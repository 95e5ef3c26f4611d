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


def test_an_unknown_email_costs_as_much_as_a_known_one(tmp_path, monkeypatch):
    """The work: an unknown email's sign-in verifies one argon2 hash made with the same (production)
    parameters as a real account's. The time: CPU seconds (which other processes on a loaded machine
    do not inflate, as they did wall time: known 0.42 s, unknown 0.19 s), medians of alternating tries."""
    import argon2

    app = build_app(tmp_path / "d", ARGON2_PARAMS={})  # real (production) argon2 settings, so a difference would show
    reset_schema(app)
    with app.app_context():
        known_hash = factories.make_user("reporter", email="known@example.org").password_hash
    verified = []
    real_verify = argon2.PasswordHasher.verify

    def verify(hasher, hash, password):  # the real check, noting which hash it was given
        verified.append(hash)
        return real_verify(hasher, hash, password)

    monkeypatch.setattr(argon2.PasswordHasher, "verify", verify)
    client = app.test_client()
    _post(client, "warm@example.org", WRONG, ip="10.0.0.9")  # first call builds the dummy hash
    verified.clear()

    def cost(email, n):
        began = time.process_time()
        assert _post(client, email, WRONG, ip=f"10.3.{n}.{len(email)}").status_code == 401
        return time.process_time() - began

    known, unknown = [], []
    for n in range(5):  # known, unknown, known, ...: a busy spell hits both
        known.append(cost("known@example.org", n))
        unknown.append(cost("nobody@example.org", n))
    assert len(verified) == 10 and verified[0::2] == [known_hash] * 5  # one check per sign-in, known ones its own
    dummy = set(verified[1::2])
    assert len(dummy) == 1 and known_hash not in dummy
    assert argon2.extract_parameters(dummy.pop()) == argon2.extract_parameters(known_hash)
    known, unknown = sorted(known)[2], sorted(unknown)[2]  # medians
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
