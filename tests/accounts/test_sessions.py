"""Sessions end when they should: a replayed cookie is refused after logout,
password change, role change and deactivation, and reactivation does not
bring old sessions back. A one-time password must be changed first.
New passwords are scored with zxcvbn."""
import pytest

from accounts.models import User
from accounts.services import reset_password, set_active, set_roles
from extensions import db
from tests import factories
from tests.conftest import sign_in


def _signed_in_cookie(app, user_ref):
    client = app.test_client()
    sign_in(client, user_ref.email)
    assert client.get("/").status_code == 200
    return client, client.get_cookie("session").value


def _replay(app, cookie) -> int:
    other = app.test_client()
    other.set_cookie("session", cookie)
    return other.get("/").status_code


def test_a_cookie_replayed_after_logout_is_signed_out(app, users):
    client, cookie = _signed_in_cookie(app, users["manager"])
    client.post("/logout")
    assert _replay(app, cookie) == 302


def test_logout_ends_the_persons_other_sessions_too(app, users):
    _, first = _signed_in_cookie(app, users["manager"])
    second, _ = _signed_in_cookie(app, users["manager"])
    second.post("/logout")
    assert _replay(app, first) == 302


def test_changing_the_password_ends_other_sessions_but_keeps_this_one(app, users):
    _, elsewhere = _signed_in_cookie(app, users["reporter"])
    client, _ = _signed_in_cookie(app, users["reporter"])
    new = "river-lantern-copper-41"
    response = client.post("/account/password", data={"current": factories.PASSWORD, "new": new, "confirm": new})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert _replay(app, elsewhere) == 302


@pytest.mark.parametrize("change", ["roles", "deactivate", "reset"])
def test_admin_changes_end_every_session_of_that_person(app, users, change):
    _, cookie = _signed_in_cookie(app, users["facilitator"])
    with app.app_context():
        user = db.session.get(User, users["facilitator"].id)
        if change == "roles":
            set_roles(user, ["facilitator", "manager"])
        elif change == "deactivate":
            set_active(user, False)
        else:
            reset_password(user)
    assert _replay(app, cookie) == 302


def test_reactivation_does_not_revive_old_sessions(app, users):
    _, cookie = _signed_in_cookie(app, users["facilitator"])
    with app.app_context():
        user = db.session.get(User, users["facilitator"].id)
        set_active(user, False)
        set_active(user, True)
    assert _replay(app, cookie) == 302


def test_a_one_time_password_must_be_changed_before_anything_else(app, users):
    with app.app_context():
        password = reset_password(db.session.get(User, users["manager"].id))
    client = app.test_client()
    sign_in(client, users["manager"].email, password)
    for path in ("/", "/stories", "/api/v1/me"):
        response = client.get(path)
        assert response.status_code in (302, 403), path
        if response.status_code == 302:
            assert response.headers["Location"].endswith("/account/password")
    assert "must choose" in client.get("/api/v1/me").json["message"]
    assert client.get("/account/password").status_code == 200
    new = "orchard-pebble-violet-62"
    client.post("/account/password", data={"current": password, "new": new, "confirm": new})
    assert client.get("/").status_code == 200


def test_an_api_token_cannot_skip_the_password_change(app, users):
    from accounts.tokens import issue_token

    with app.app_context():
        user = db.session.get(User, users["admin"].id)
        token = issue_token(user)
        reset_password(user)
    response = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403


@pytest.mark.parametrize("weak", ["password123", "qwertyuiop1", "aaaaaaaaaaaa1"])
def test_guessable_passwords_are_refused_with_a_plain_reason(client, users, weak):
    sign_in(client, users["reporter"].email)
    page = client.post("/account/password", data={"current": factories.PASSWORD, "new": weak, "confirm": weak})
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "too easy to guess" in text


def test_the_reason_says_what_to_do(app):
    from accounts.services import AccountError, check_password_rules

    with app.app_context(), pytest.raises(AccountError) as refused:
        check_password_rules("password123")
    assert "very common password" in str(refused.value)
    assert "Add another word or two" in str(refused.value)


def test_a_signed_in_request_loads_its_person_and_roles_in_one_statement(app, users):
    """Every page a signed-in person opens first reads who they are: one SELECT (the person joined to
    their roles), not one for the person and another for the roles."""
    from tests.conftest import statements_sent

    client = app.test_client()
    sign_in(client, users["facilitator"].email)
    with statements_sent(app) as statements:
        assert client.get("/account/password").status_code == 200
    reads = [s for s in statements if " user_roles" in s or "FROM users" in s]
    assert len(reads) == 1, reads
