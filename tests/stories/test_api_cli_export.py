"""The API (chunked uploads, stories, transcript patch), the import command and the JSON export."""
import io
import json
from pathlib import Path

import jsonschema
import pytest
from sqlalchemy import select

from extensions import db
from stories.models import Story, UploadSession
from tests.conftest import ROOT, sign_in


@pytest.fixture
def reporter(app, users):
    client = app.test_client()
    sign_in(client, users["reporter"].email)
    return client


@pytest.mark.slow
def test_a_recording_uploaded_in_chunks_resumes_after_a_dropped_piece(app, reporter, clips):
    data = clips["ogg"].read_bytes()
    created = reporter.post("/api/v1/uploads", json={"filename": "recording.ogg", "content_type": "audio/ogg"})
    assert created.status_code == 201
    upload_id = created.json["id"]
    third = len(data) // 3
    assert reporter.put(f"/api/v1/uploads/{upload_id}?offset=0", data=data[:third]).json["received"] == third
    # The second piece is "lost": the client sends the third at the wrong offset and is told where to carry on.
    wrong = reporter.put(f"/api/v1/uploads/{upload_id}?offset={2 * third}", data=data[2 * third:])
    assert wrong.status_code == 409 and wrong.json["received"] == third
    assert reporter.get(f"/api/v1/uploads/{upload_id}").json["received"] == third
    reporter.put(f"/api/v1/uploads/{upload_id}?offset={third}", data=data[third:])
    details = {"title": "Recorded", "storyteller_role": "peer_mentor", "language": "en",
               "consent_scopes": ["analysis", "quote"], "consent_method": "verbal",
               "consent_clip_start": "0:00", "consent_clip_end": "0:01"}
    finished = reporter.post(f"/api/v1/uploads/{upload_id}/finish", data=details)
    assert finished.status_code == 201, finished.json
    story = reporter.get(f"/api/v1/stories/{finished.json['id']}").json
    assert story["source_kind"] == "recording" and story["consent"] == ["analysis", "quote"]
    assert story["status"] == "needs_review" and story["segments"] and story["segments"][0]["words"]
    assert not (Path(app.config["DATA_DIR"]) / "uploads" / upload_id).exists()
    with app.app_context():
        assert db.session.scalars(select(UploadSession)).all() == []
    # Somebody else's upload is not found.
    other = reporter.post("/api/v1/uploads", json={}).json["id"]
    assert app.test_client().get(f"/api/v1/uploads/{other}").status_code == 401


@pytest.mark.slow
def test_api_creates_lists_filters_and_patches(app, reporter, users, clips):
    form = {"title": "Via API", "storyteller_role": "staff", "language": "en",
            "audio": (io.BytesIO(clips["wav"].read_bytes()), "bus.wav")}
    made = reporter.post("/api/v1/stories", data=form, content_type="multipart/form-data")
    assert made.status_code == 201, made.json
    assert made.json["consent"] == [] and made.json["job"]["status"] == "succeeded"
    missing = reporter.post("/api/v1/stories", data={"title": ""}, content_type="multipart/form-data")
    assert missing.status_code == 422 and "audio" in missing.json["errors"]
    assert [s["title"] for s in reporter.get("/api/v1/stories?status=needs_review").json["stories"]] == ["Via API"]
    assert reporter.get("/api/v1/stories?role=service_user").json["stories"] == []
    assert len(reporter.get(f"/api/v1/stories?reporter={users['reporter'].email}").json["stories"]) == 1
    story = reporter.get(f"/api/v1/stories/{made.json['id']}").json
    seg = story["segments"][0]
    patched = reporter.patch(f"/api/v1/stories/{story['id']}/transcript",
                             json={"revision": story["revision"], "segments": [{"id": seg["id"], "text": "Hello there.", "speaker": "Reporter"}]})
    assert patched.status_code == 200 and patched.json["segments"][0]["text"] == "Hello there."
    again = reporter.patch(f"/api/v1/stories/{story['id']}/transcript",
                           json={"revision": story["revision"], "segments": [{"id": seg["id"], "text": "x"}]})
    assert again.status_code == 409


@pytest.mark.slow
def test_import_command_and_export_json(app, users, clips, tmp_path):
    folder = tmp_path / "in"
    (folder / "deeper").mkdir(parents=True)
    (folder / "bus.wav").write_bytes(clips["wav"].read_bytes())
    (folder / "bus.json").write_text(json.dumps({"title": "The bus", "storyteller_role": "staff",
                                                 "consent": ["analysis", "workshop"], "recorded_at": "2024-03-01"}))
    (folder / "deeper" / "flat.mp3").write_bytes(clips["mp3"].read_bytes())
    (folder / "deeper" / "typed.txt").write_text("A typed story.\n")
    (folder / "notes.docx").write_bytes(b"PK\x03\x04 not audio")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["stories", "import", str(folder), "--reporter", users["reporter"].email,
                                 "--consent", "analysis", "--reviewed"])
    assert result.exit_code == 0, result.output
    lines = [line.split("\t") for line in result.stdout.strip().splitlines()]
    assert sorted(Path(p).name for _, p in lines) == ["bus.wav", "flat.mp3", "typed.txt"]
    assert "skipped" in result.stderr and "notes.docx" in result.stderr
    with app.app_context():
        stories = {s.source_filename: s for s in db.session.scalars(select(Story))}
        assert stories["bus.wav"].title == "The bus" and stories["bus.wav"].storyteller_role == "staff"
        assert stories["bus.wav"].consent_scopes() == ["analysis", "workshop"]
        assert str(stories["bus.wav"].recorded_on) == "2024-03-01"
        assert stories["flat.mp3"].consent_scopes() == ["analysis"]
        assert {s.status for s in stories.values()} == {"ready"}
    out = tmp_path / "export.json"
    result = runner.invoke(args=["export", "json", str(out)])
    assert result.exit_code == 0, result.output
    document = json.loads(out.read_text())
    schema = json.loads((ROOT / "docs" / "export.schema.json").read_text())
    jsonschema.validate(document, schema)
    by_name = {s["source_filename"]: s for s in document["stories"]}
    assert "probation" in by_name["bus.wav"]["transcript"].lower()
    assert by_name["typed.txt"]["segments"] == [{"start": None, "end": None, "text": "A typed story.", "speaker": None}]
    assert "storyteller_name" not in json.dumps(document)
    # The schema really checks something.
    document["stories"][0]["consent"] = ["everything"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, schema)
