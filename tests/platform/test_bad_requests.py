"""No bad input gives a 500: huge integers, 1e400, NUL bytes, oversized or
misshapen JSON get 404/413/422 with the problem named."""
import pytest

from tests.conftest import sign_in

HUGE = 2 ** 70


@pytest.fixture
def admin(db_app, db_users):
    client = db_app.test_client()
    sign_in(client, db_users["admin"].email)
    return client


@pytest.mark.parametrize("path", [f"/stories/{HUGE}", f"/api/v1/jobs/{HUGE}", f"/api/v1/stories/{HUGE}",
                                  f"/jobs/{HUGE}", f"/admin/users/{HUGE}", "/stories/%00"])
def test_ids_past_64_bits_or_with_nul_are_not_found(admin, path):
    assert admin.get(path).status_code == 404


@pytest.mark.parametrize("body, words", [
    (b'{"revision": %d, "segments": []}' % HUGE, "too large"),
    (b'{"revision": 1e400, "segments": []}', "not a finite number"),
    (b'{"revision": 1, "segments": [{"id": 1, "text": "a\\u0000b"}]}', "NUL"),
    (b'{"revision": 1, "segments": [', "not valid JSON"),
])
def test_bad_json_is_422_naming_the_problem(admin, body, words):
    response = admin.patch("/api/v1/stories/1/transcript", data=body, content_type="application/json")
    assert response.status_code in (400, 422), response.get_data(as_text=True)
    assert words in response.json["message"]


@pytest.mark.parametrize("path", ["/api/v1/uploads"])
def test_a_json_list_where_an_object_belongs_is_422(admin, path):
    response = admin.post(path, data=b"[1, 2, 3]", content_type="application/json")
    assert response.status_code == 422 and "object" in response.json["message"]


def test_a_nul_byte_in_the_login_email_is_refused_plainly(db_app):
    response = db_app.test_client().post("/login", data={"email": "a\x00@example.org", "password": "x" * 12})
    assert response.status_code == 400
    assert "cannot contain" in response.get_data(as_text=True)


def test_a_json_body_over_the_limit_is_413_naming_the_limit(db_app, db_users):
    db_app.config["MAX_JSON_BYTES"] = 1024
    client = db_app.test_client()
    sign_in(client, db_users["admin"].email)
    response = client.patch("/api/v1/stories/1/transcript", data=b'{"x": "' + b"a" * 4096 + b'"}',
                            content_type="application/json")
    assert response.status_code == 413 and "1 KB" in response.json["message"]


def test_a_real_message_beginning_with_the_is_kept(db_app, db_users):
    from accounts.tokens import TokenRefused  # noqa: F401  (the 401 message begins "That"; this one "The")

    client = db_app.test_client()
    response = client.get("/api/v1/me", headers={"Authorization": "Bearer sl_nope"})
    assert response.json["message"].startswith("That API token")
    with db_app.test_request_context("/api/v1/x"):
        from werkzeug.exceptions import NotFound

        from core.errors import handle_http_exception

        body = handle_http_exception(NotFound("The story was erased.")).json
        assert body["message"] == "The story was erased."
        stock = handle_http_exception(NotFound()).json
        assert stock["message"] == "We could not find that page."


def test_transcript_saves_are_bounded_and_say_the_limit(app, users):
    from accounts.models import User
    from extensions import db
    from tests import factories

    with app.app_context():
        story = factories.make_story(db.session.get(User, users["reporter"].id), text="A short story.")
        story_id, revision = story.id, story.revision
    client = app.test_client()
    sign_in(client, users["reporter"].email)
    many = client.patch(f"/api/v1/stories/{story_id}/transcript",
                        json={"revision": revision, "segments": [{"id": 1, "text": "x"}] * 5001})
    assert many.status_code == 413 and "at most 5,000 segments" in many.json["message"]
    long = client.patch(f"/api/v1/stories/{story_id}/transcript",
                        json={"revision": revision, "segments": [{"id": 1, "text": "x" * 5001}]})
    assert long.status_code == 422 and "5,000-character limit" in long.json["message"]


def test_a_reporter_filter_past_64_bits_finds_nobody(admin):
    response = admin.get(f"/api/v1/stories?reporter={HUGE}")
    assert response.status_code == 200 and response.json["stories"] == []


@pytest.mark.parametrize("path", [f"/api/v1/actions?workshop_id={HUGE}", f"/api/v1/actions?theme_id={HUGE}",
                                  f"/api/v1/search?q=bus&theme_id={HUGE}", f"/api/v1/search?q=bus&workshop_id={HUGE}"])
def test_an_id_past_64_bits_in_a_query_is_422_naming_the_field(admin, path):
    response = admin.get(path)
    assert response.status_code == 422 and path.split("&")[-1].split("?")[-1].split("=")[0] in response.json["message"]
