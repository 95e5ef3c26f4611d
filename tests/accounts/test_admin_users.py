"""The admin's pages for people: create, roles, deactivate — never delete."""
import re

from accounts.models import User
from audit.models import AuditEntry
from extensions import db
from tests.conftest import sign_in


def test_admin_creates_a_reporter_who_signs_in_with_the_one_time_password(app, users):
    admin = app.test_client()
    sign_in(admin, users["admin"].email)
    page = admin.post("/admin/users/new", data={"email": "New.Reporter@Example.org", "name": "Nia", "roles": ["reporter"]})
    assert page.status_code == 200
    password = re.search(r'data-testid="one-time-password">([^<]+)<', page.get_data(as_text=True)).group(1)

    reporter = app.test_client()
    response = sign_in(reporter, "new.reporter@example.org", password)
    assert response.headers["Location"] == "/account/password"  # must choose their own
    assert reporter.get("/").headers["Location"] == "/account/password"  # before anything else
    new = "meadow-tinker-saffron-83"
    reporter.post("/account/password", data={"current": password, "new": new, "confirm": new})
    assert "Your stories" in reporter.get("/").get_data(as_text=True)
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.email == "new.reporter@example.org"))
        assert user.role_names == ["reporter"]
        assert db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "user.created", AuditEntry.object_id == str(user.id))).actor_label == users["admin"].email


def test_duplicate_email_and_missing_role_get_clear_messages(app, users):
    admin = app.test_client()
    sign_in(admin, users["admin"].email)
    dup = admin.post("/admin/users/new", data={"email": users["reporter"].email, "roles": ["reporter"]})
    assert "already an account" in dup.get_data(as_text=True)
    none = admin.post("/admin/users/new", data={"email": "x@example.org"})
    assert "Choose at least one role." in none.get_data(as_text=True)


def test_admin_sets_several_roles(app, users):
    admin = app.test_client()
    sign_in(admin, users["admin"].email)
    uid = users["reporter"].id
    assert admin.post(f"/admin/users/{uid}", data={"roles": ["reporter", "facilitator"]}).status_code == 302
    with app.app_context():
        assert db.session.get(User, uid).role_names == ["facilitator", "reporter"]


def test_admin_cannot_remove_own_admin_role_or_turn_self_off(app, users):
    admin = app.test_client()
    sign_in(admin, users["admin"].email)
    uid = users["admin"].id
    page = admin.post(f"/admin/users/{uid}", data={"roles": ["reporter"]})
    assert "cannot remove your own admin role" in page.get_data(as_text=True)
    admin.post(f"/admin/users/{uid}/active", follow_redirects=True)
    with app.app_context():
        assert db.session.get(User, uid).active


def test_deactivated_user_is_kept_not_deleted(app, users):
    admin = app.test_client()
    sign_in(admin, users["admin"].email)
    uid = users["reporter"].id
    admin.post(f"/admin/users/{uid}/active")
    with app.app_context():
        user = db.session.get(User, uid)
        assert user is not None and not user.active and user.deactivated_at is not None
    assert "Turned off" in admin.get("/admin/users").get_data(as_text=True)


def test_reporter_opening_an_admin_page_gets_a_clear_403(client, users):
    sign_in(client, users["reporter"].email)
    response = client.get("/admin/users")
    assert response.status_code == 403
    assert "You do not have access to this page." in response.get_data(as_text=True)


def test_unknown_page_is_a_clear_404(client, users):
    sign_in(client, users["reporter"].email)
    response = client.get("/admin/users/424242")
    assert response.status_code in (403, 404)
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "We could not find that page." in response.get_data(as_text=True)
