"""API sign-in by token or session, the OpenAPI document, JSON errors."""
from accounts.services import set_active
from accounts.tokens import issue_token
from accounts.models import User
from extensions import db
from tests.conftest import build_app, reset_schema, sign_in
from tests import factories


def _token(app, user_ref):
    with app.app_context():
        return issue_token(db.session.get(User, user_ref.id))


def test_me_with_a_bearer_token(app, client, users):
    token = _token(app, users["facilitator"])
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.json["email"] == users["facilitator"].email
    assert response.json["roles"] == ["facilitator"]
    assert "Set-Cookie" not in response.headers  # a token call opens no session


def test_me_with_a_session(client, users):
    sign_in(client, users["manager"].email)
    assert client.get("/api/v1/me").json["roles"] == ["manager"]


def test_malformed_and_unknown_tokens_are_401_json(client, users):
    for header in ("Bearer", "Basic abc", "Bearer not-a-token", "Token x"):
        response = client.get("/api/v1/me", headers={"Authorization": header})
        assert response.status_code == 401, header
        assert response.json["code"] == 401
        assert response.json["message"]


def test_token_of_a_deactivated_user_stops_working(app, client, users):
    token = _token(app, users["reporter"])
    with app.app_context():
        set_active(db.session.get(User, users["reporter"].id), False)
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_anonymous_api_call_is_401_json_not_a_redirect(client):
    response = client.get("/api/v1/me")
    assert response.status_code == 401 and response.is_json


def test_unknown_job_is_404_json(client, users):
    sign_in(client, users["admin"].email)
    response = client.get("/api/v1/jobs/999")
    assert response.status_code == 404 and response.json["code"] == 404


def test_openapi_document_lists_the_api(client):
    doc = client.get("/api/v1/openapi.json").json
    assert doc["info"]["title"] == "Storyloom API"
    assert "/api/v1/me" in doc["paths"] and "/api/v1/jobs/{job_id}" in doc["paths"]


def test_session_api_post_without_csrf_header_is_refused(tmp_path):
    app = build_app(tmp_path / "d", WTF_CSRF_ENABLED=True)
    reset_schema(app)
    with app.app_context():
        factories.make_user("admin", email="a@example.org")
    client = app.test_client()
    login_page = client.get("/login").get_data(as_text=True)
    token = login_page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    client.post("/login", data={"email": "a@example.org", "password": factories.PASSWORD, "csrf_token": token})
    response = client.post("/api/v1/me")
    assert response.status_code == 400
