"""The OpenAPI document: every operation on flask-smorest, with its bodies, answers and one error schema."""
import pytest

STORIES_AND_UPLOADS = [
    ("/api/v1/stories", "post"), ("/api/v1/stories/{story_id}/transcript", "patch"),
    ("/api/v1/uploads", "post"), ("/api/v1/uploads/{upload_id}", "put"),
    ("/api/v1/uploads/{upload_id}/finish", "post"),
]


@pytest.fixture
def doc(client):
    return client.get("/api/v1/openapi.json").json


def _operations(doc):
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                yield path, method, operation


@pytest.mark.parametrize("path, method", STORIES_AND_UPLOADS)
def test_stories_and_uploads_declare_their_request_bodies(doc, path, method):
    body = doc["paths"][path][method].get("requestBody")
    assert body and body["content"], f"{method.upper()} {path} declares no request body"


def test_every_operation_declares_a_schema_for_its_success_answer(doc):
    missing = []
    for path, method, operation in _operations(doc):
        for status, answer in operation["responses"].items():
            if status.startswith("2") and status != "204" and "content" not in answer:
                missing.append(f"{method.upper()} {path} {status}")
    assert missing == []


def test_every_operation_declares_the_one_error_schema(doc):
    error = doc["components"]["schemas"]["Error"]
    assert set(error["required"]) == {"code", "status", "message"}
    assert doc["components"]["responses"]["DEFAULT_ERROR"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"}
    without = [f"{m.upper()} {p}" for p, m, op in _operations(doc)
               if op["responses"].get("default") != {"$ref": "#/components/responses/DEFAULT_ERROR"}]
    assert without == []
    assert "stories" in " ".join(p for p, _, _ in _operations(doc))


def test_moments_are_dumped_with_their_offset_as_openapi_date_time_requires(app):
    from datetime import datetime

    from api.schemas import JobSchema

    with app.test_request_context():
        dumped = JobSchema(only=("created_at",)).dump({"created_at": datetime(2026, 1, 2, 3, 4, 5)})
    assert dumped["created_at"] == "2026-01-02T03:04:05+00:00"
