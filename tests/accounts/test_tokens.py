"""API tokens are named, expire (90 days unless chosen), show when they were
last used, and can be listed and revoked by their owner, by admins and in the CLI."""
import re
from datetime import timedelta

from accounts.models import ApiToken, User
from accounts.tokens import issue_token
from core.timeutil import utcnow
from extensions import db
from tests.conftest import sign_in


def _bearer(token):
    return {"Authorization": f"Bearer {token}"}


def test_a_token_expires_after_90_days_by_default(app, client, users):
    with app.app_context():
        token = issue_token(db.session.get(User, users["manager"].id), name="reports")
        row = db.session.scalars(db.select(ApiToken)).one()
        assert row.name == "reports"
        assert timedelta(days=89) < row.expires_at - utcnow() <= timedelta(days=90)
    assert client.get("/api/v1/me", headers=_bearer(token)).status_code == 200
    with app.app_context():
        row = db.session.scalars(db.select(ApiToken)).one()
        assert row.last_used_at is not None
        row.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    response = client.get("/api/v1/me", headers=_bearer(token))
    assert response.status_code == 401 and "expired" in response.json["message"]


def test_a_person_makes_lists_and_revokes_their_own_tokens(app, client, users):
    sign_in(client, users["facilitator"].email)
    page = client.post("/account/tokens", data={"name": "board script", "days": 30})
    token = re.search(r'data-testid="new-token">([^<]+)<', page.get_data(as_text=True)).group(1)
    assert client.get("/api/v1/me", headers=_bearer(token)).status_code == 200
    listing = client.get("/account/tokens").get_data(as_text=True)
    assert "board script" in listing and "Last used" in listing and token not in listing
    with app.app_context():
        token_id = db.session.scalars(db.select(ApiToken.id)).one()
    assert client.post(f"/account/tokens/{token_id}/revoke").status_code == 302
    assert client.get("/api/v1/me", headers=_bearer(token)).status_code == 401


def test_nobody_revokes_someone_elses_token_except_an_admin(app, users):
    with app.app_context():
        token = issue_token(db.session.get(User, users["manager"].id), name="mine")
        token_id = db.session.scalars(db.select(ApiToken.id)).one()
    other = app.test_client()
    sign_in(other, users["reporter"].email)
    assert other.post(f"/account/tokens/{token_id}/revoke").status_code == 404
    assert other.get("/api/v1/me", headers=_bearer(token)).status_code == 200
    admin = app.test_client()
    sign_in(admin, users["admin"].email)
    assert "mine" in admin.get(f"/admin/users/{users['manager'].id}").get_data(as_text=True)
    assert admin.post(f"/admin/users/{users['manager'].id}/tokens/{token_id}/revoke").status_code == 302
    assert admin.get("/api/v1/me", headers=_bearer(token)).status_code == 401


def test_cli_issues_lists_and_revokes_tokens(app, users):
    runner = app.test_cli_runner()
    issued = runner.invoke(args=["users", "token", users["admin"].email, "--name", "backup", "--days", "7"])
    assert issued.exit_code == 0, issued.output
    token = issued.output.strip().splitlines()[-1]
    listing = runner.invoke(args=["users", "tokens", users["admin"].email])
    assert "backup" in listing.output and "never used" in listing.output
    token_id = re.search(r"^\s*(\d+)\s", listing.output, re.M).group(1)
    with app.app_context():
        row = db.session.get(ApiToken, int(token_id))
        assert timedelta(days=6) < row.expires_at - utcnow() <= timedelta(days=7)
    revoked = runner.invoke(args=["users", "revoke-token", token_id])
    assert revoked.exit_code == 0 and "revoked" in revoked.output
    assert app.test_client().get("/api/v1/me", headers=_bearer(token)).status_code == 401
    assert "revoked" in runner.invoke(args=["users", "tokens", users["admin"].email]).output


def test_a_token_call_finds_its_person_and_roles_in_one_statement(app, client, users):
    """Each API call signed with a token reads the token, its person and their roles in one SELECT."""
    from tests.conftest import statements_sent

    with app.app_context():
        token = issue_token(db.session.get(User, users["manager"].id), name="reports")
    assert client.get("/api/v1/me", headers=_bearer(token)).status_code == 200  # last used: written now
    with statements_sent(app) as statements:
        assert client.get("/api/v1/me", headers=_bearer(token)).json["email"] == users["manager"].email
    reads = [s for s in statements if "api_tokens" in s or "FROM users" in s or "user_roles" in s]
    assert len(reads) == 1, reads
