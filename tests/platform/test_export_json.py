"""`export json` writes a file only its owner can read, says what it holds,
and with --redacted leaves out every unredacted word."""
import json
import stat

from accounts.models import User
from extensions import db
from governance.models import Redaction
from tests import factories


def _story_with_a_name(app, users):
    with app.app_context():
        reporter = db.session.get(User, users["reporter"].id)
        story = factories.make_story(reporter, text="Dave Smith took me to the hostel.")
        db.session.add(Redaction(story_id=story.id, start_char=0, end_char=10, kind="name", state="accepted",
                                 text="Dave Smith", source="reviewer"))
        db.session.commit()
        return story.id


def test_the_export_is_private_and_says_it_holds_unredacted_text(app, users, tmp_path):
    _story_with_a_name(app, users)
    out = tmp_path / "all.json"
    result = app.test_cli_runner().invoke(args=["export", "json", str(out)])
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert "UNREDACTED" in result.output and "withdrawn" in result.output
    document = json.loads(out.read_text())
    assert document["contents"]["unredacted_text"] is True
    assert "Dave Smith" in out.read_text()


def test_redacted_export_leaves_out_every_unredacted_word(app, users, tmp_path):
    _story_with_a_name(app, users)
    out = tmp_path / "redacted.json"
    result = app.test_cli_runner().invoke(args=["export", "json", "--redacted", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert "Dave Smith" not in text and "[name]" in text
    assert json.loads(text)["contents"]["unredacted_text"] is False
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
