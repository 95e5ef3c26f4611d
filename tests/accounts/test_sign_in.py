"""Signing in and out, passwords, lock-out, CSRF and expired sessions."""
from accounts.models import LoginAttempt
from audit.models import AuditEntry
from extensions import db
from tests import factories
from tests.conftest import build_app, reset_schema, sign_in


def test_reporter_signs_in_and_sees_an_empty_home(client, users):
    sign_in(client, users["reporter"].email)
    page = client.get("/").get_data(as_text=True)
    assert "Your stories" in page
    assert "You have no stories yet." in page
    assert "Administration" not in page


def test_wrong_password_and_unknown_email_get_the_same_clear_answer(client, users):
    wrong = client.post("/login", data={"email": users["reporter"].email, "password": "nope-nope-nope"})
    unknown = client.post("/login", data={"email": "nobody@example.org", "password": "nope-nope-nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert "That email or password is not right." in wrong.get_data(as_text=True)
    assert "That email or password is not right." in unknown.get_data(as_text=True)


def test_failed_sign_ins_are_audited(app, client, users):
    client.post("/login", data={"email": users["manager"].email, "password": "wrong-password-1"})
    with app.app_context():
        entry = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "user.sign_in_failed")).one()
        assert entry.summary == users["manager"].email


def test_too_many_failures_lock_the_account_even_with_the_right_password(app, client, users):
    email = users["facilitator"].email
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        client.post("/login", data={"email": email, "password": "wrong-password-1"})
    response = client.post("/login", data={"email": email, "password": factories.PASSWORD})
    assert response.status_code == 429
    assert "Too many tries" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302  # still signed out
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(LoginAttempt.id))) == app.config["LOGIN_MAX_FAILURES"]


def test_deactivated_user_cannot_sign_in_and_is_told_why(app, client, users):
    from accounts.models import User
    from accounts.services import set_active

    with app.app_context():
        set_active(db.session.get(User, users["reporter"].id), False)
    response = client.post("/login", data={"email": users["reporter"].email, "password": factories.PASSWORD})
    assert response.status_code == 401
    assert "turned off" in response.get_data(as_text=True)


def test_deactivation_ends_an_open_session(app, users):
    from accounts.models import User
    from accounts.services import set_active

    client = app.test_client()
    sign_in(client, users["reporter"].email)
    with app.app_context():
        set_active(db.session.get(User, users["reporter"].id), False)
    assert client.get("/").status_code == 302


def test_sign_out_needs_post_and_ends_the_session(client, users):
    sign_in(client, users["manager"].email)
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 302
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_next_parameter_cannot_send_people_off_site(client, users):
    response = client.post("/login?next=//evil.example/x", data={"email": users["admin"].email, "password": factories.PASSWORD})
    assert response.headers["Location"] == "/"


def test_change_password_checks_current_and_rules(app, client, users):
    sign_in(client, users["reporter"].email)
    bad = client.post("/account/password", data={"current": "wrong", "new": "another-long-one-9", "confirm": "another-long-one-9"})
    assert "Your current password is not right." in bad.get_data(as_text=True)
    short = client.post("/account/password", data={"current": factories.PASSWORD, "new": "short", "confirm": "short"})
    assert "at least" in short.get_data(as_text=True)
    ok = client.post("/account/password", data={"current": factories.PASSWORD, "new": "another-long-one-9", "confirm": "another-long-one-9"})
    assert ok.status_code == 302
    client.post("/logout")
    sign_in(client, users["reporter"].email, "another-long-one-9")


def test_missing_csrf_token_is_refused_with_a_clear_page(tmp_path):
    app = build_app(tmp_path / "csrf", WTF_CSRF_ENABLED=True)
    reset_schema(app)
    with app.app_context():
        factories.make_user("reporter", email="r@example.org")
    response = app.test_client().post("/login", data={"email": "r@example.org", "password": factories.PASSWORD})
    assert response.status_code == 400
    assert "This form has expired" in response.get_data(as_text=True)


def test_expired_or_forged_session_cookie_is_sent_to_sign_in(client, users):
    sign_in(client, users["reporter"].email)
    client.set_cookie("session", "forged.value.here")
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_session_cookie_is_http_only_and_same_site(client, users):
    response = sign_in(client, users["reporter"].email)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_pages_carry_security_headers(client):
    response = client.get("/login")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert b"<script>" not in response.data


def test_lock_out_and_sign_in_work_on_sqlite_and_postgresql(db_app, db_users):
    client = db_app.test_client()
    email = db_users["reporter"].email
    sign_in(client, email)
    client.post("/logout")
    for _ in range(db_app.config["LOGIN_MAX_FAILURES"]):
        assert client.post("/login", data={"email": email.upper(), "password": "wrong-password-1"}).status_code == 401
    assert client.post("/login", data={"email": email, "password": factories.PASSWORD}).status_code == 429
