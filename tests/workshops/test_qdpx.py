"""REFI-QDA export of a theme run: redacted transcripts, themes as codes, quotes as coded segments."""
import zipfile

from engines.qdpx import validate_qdpx
from tests.conftest import sign_in


def test_theme_run_exports_as_valid_qdpx(app, client, users, world, tmp_path):
    sign_in(client, users["facilitator"].email)
    response = client.get(f"/theme-runs/{world['run_id']}/export.qdpx")
    assert response.status_code == 200
    path = tmp_path / "run.qdpx"
    path.write_bytes(response.data)
    assert validate_qdpx(path) == []
    with zipfile.ZipFile(path) as archive:
        project = archive.read("project.qde").decode()
        sources = [n for n in archive.namelist() if n.startswith("Sources/")]
    assert "Getting to appointments" in project and "Outliers" not in project
    assert project.count("<PlainTextSelection") >= len(world["story_ids"]) * 2
    assert len(sources) == len(world["story_ids"])
    assert client.get(f"/theme-runs/{world['run_id']}/export.qdpx").status_code == 200
    manager = app.test_client()
    sign_in(manager, users["manager"].email)
    assert manager.get(f"/theme-runs/{world['run_id']}/export.qdpx").status_code == 403


def test_cli_exports_qdpx(app, world, tmp_path):
    out = tmp_path / "cli.qdpx"
    result = app.test_cli_runner().invoke(args=["packs", "qdpx", str(world["run_id"]), str(out)])
    assert result.exit_code == 0, result.output
    assert "valid REFI-QDA" in result.output and validate_qdpx(out) == []
