"""`export json` writes a file only its owner can read, says what it holds,
and with --redacted leaves out every unredacted word."""
import json
import stat

import pytest

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


def _from_another_connection(app, change) -> None:
    """Run `change(story)` in a thread of its own (its own session and connection) and commit it."""
    import threading

    def work():
        with app.app_context():
            from stories.models import Story

            change(db.session.get(Story, _from_another_connection.story_id))
            db.session.commit()
            db.session.remove()

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(60)


@pytest.mark.real_commits
@pytest.mark.parametrize("change", ["erase", "withdraw"])
def test_a_story_erased_or_withdrawn_during_the_export_never_comes_out_unredacted(app, users, tmp_path, monkeypatch,
                                                                                   change):
    """The stories part is written, then (before governance adds the redacted text) another
    connection erases or withdraws the story: the export is read again, never half old and half new."""
    from governance import erasure
    from governance import export as governance_export
    from governance.consent import withdraw_consent

    _from_another_connection.story_id = _story_with_a_name(app, users)
    real_contribute = governance_export.contribute
    done = []

    def contribute_after_a_change(document):
        if not done:
            done.append(change)
            _from_another_connection(app, erasure.erase_story if change == "erase" else
                                     lambda story: withdraw_consent(story, reason="storyteller asked"))
        real_contribute(document)

    monkeypatch.setattr(governance_export, "contribute", contribute_after_a_change)
    out = tmp_path / "redacted.json"
    result = app.test_cli_runner().invoke(args=["export", "json", "--redacted", str(out)])
    assert done and result.exit_code == 0, result.output
    document = json.loads(out.read_text())
    assert "Dave Smith" not in out.read_text()
    story_id = _from_another_connection.story_id
    entries = [s for s in document["stories"] if s["id"] == story_id]
    if change == "erase":
        assert entries == []
    else:
        assert entries and not entries[0]["consent"] and entries[0]["transcript"] == ""


@pytest.mark.real_commits
def test_an_export_under_constant_change_says_so_and_writes_nothing(app, users, tmp_path, monkeypatch):
    from governance import export as governance_export

    _from_another_connection.story_id = _story_with_a_name(app, users)
    real_contribute = governance_export.contribute
    titles = iter(range(100))

    def retitle(story):
        story.title = f"Renamed {next(titles)}"

    def contribute_after_a_change(document):
        _from_another_connection(app, retitle)
        real_contribute(document)

    monkeypatch.setattr(governance_export, "contribute", contribute_after_a_change)
    out = tmp_path / "all.json"
    result = app.test_cli_runner().invoke(args=["export", "json", str(out)])
    assert result.exit_code == 1 and "kept changing" in result.output and "Nothing was written" in result.output
    assert not out.exists()
