"""One limit on every request body (Flask's MAX_CONTENT_LENGTH): 413 naming it, JSON for the API, a page for forms."""
import io

import pytest

from tests.conftest import sign_in

LIMIT = 64 * 1024
BODY = b"x" * (LIMIT + 1)


@pytest.fixture
def reporter(app, users):
    app.config["MAX_CONTENT_LENGTH"] = LIMIT
    client = app.test_client()
    sign_in(client, users["reporter"].email)
    return client


def test_the_limit_follows_the_largest_upload_by_default(app):
    assert app.config["MAX_CONTENT_LENGTH"] == app.config["MAX_UPLOAD_BYTES"] + 32 * 1024 * 1024


def test_a_form_over_the_limit_is_a_plain_page_naming_it(reporter):
    response = reporter.post("/stories/new/text", content_type="multipart/form-data",
                             data={"title": "Big", "text_file": (io.BytesIO(BODY), "big.txt")})
    assert response.status_code == 413 and response.mimetype == "text/html"
    assert "64 KB" in response.get_data(as_text=True)


def test_a_chunked_form_without_a_length_is_held_to_the_limit_too(reporter):
    from werkzeug.test import EnvironBuilder

    environ = EnvironBuilder(method="POST", data={"title": "Big", "text_file": (io.BytesIO(BODY), "big.txt")}).get_environ()
    response = reporter.post("/stories/new/text", input_stream=io.BytesIO(environ["wsgi.input"].read()),
                             content_type=environ["CONTENT_TYPE"],
                             environ_overrides={"wsgi.input_terminated": True, "CONTENT_LENGTH": ""})
    assert response.status_code == 413 and "64 KB" in response.get_data(as_text=True)


def test_an_api_body_over_the_limit_is_json_naming_it(reporter):
    response = reporter.post("/api/v1/stories", content_type="multipart/form-data",
                             data={"title": "Big", "audio": (io.BytesIO(BODY), "big.wav")})
    assert response.status_code == 413 and response.json["code"] == 413
    assert "64 KB" in response.json["message"]


def test_the_upload_page_keeps_room_for_several_files(app, reporter):
    app.config["MAX_UPLOAD_BYTES"] = LIMIT
    response = reporter.post("/stories/new/upload", content_type="multipart/form-data",
                             data={"title": "Two", "audio": [(io.BytesIO(BODY[: LIMIT * 3 // 4]), name) for name in ("a.wav", "b.wav")]})
    assert response.status_code != 413


def test_a_resumable_upload_piece_keeps_its_own_bound(reporter):
    upload_id = reporter.post("/api/v1/uploads", json={"filename": "r.webm"}).json["id"]
    piece = reporter.put(f"/api/v1/uploads/{upload_id}?offset=0", data=BODY)
    assert piece.status_code == 200 and piece.json["received"] == len(BODY)
