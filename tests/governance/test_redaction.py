"""Detection after transcription, review decisions, re-anchoring, cross-segment spans, export."""
import pytest

from extensions import db
from governance import policy, services
from governance.models import Redaction
from stories.models import Segment
from tests import factories


def _scanned(reporter, text: str, nlp):
    """A typed story by the reporter, scanned for hidden details as after transcription."""
    story = factories.make_story(reporter, text=text)
    services.scan_story(story.id, nlp=nlp)
    return story


@pytest.mark.slow
def test_detection_review_and_tags(app, users, nlp, as_user):
    with app.app_context():
        reporter = as_user(users["reporter"])
        story = _scanned(reporter, "My officer Sarah Jones moved me to Leeds last year.", nlp)
        rows = services.redactions_for(story)
        assert {(r.text, r.kind, r.state) for r in rows} == {("Sarah Jones", "name", "proposed"), ("Leeds", "place", "proposed")}
        # Proposed redactions already apply: the safe default.
        assert policy.redacted_text(story) == "My officer [name] moved me to [place] last year."
        place = next(r for r in rows if r.kind == "place")
        services.reject_redaction(place, reporter)
        services.accept_redaction(next(r for r in rows if r.kind == "name"), reporter)
        assert policy.redacted_text(story) == "My officer [name] moved me to Leeds last year."
        services.add_redaction_by_words(story, "last year", "date_of_birth", reporter)
        assert policy.redacted_text(story) == "My officer [name] moved me to Leeds [date]."
        from audit.models import AuditEntry

        actions = set(db.session.scalars(db.select(AuditEntry.action)).all())
        assert {"governance.scanned", "redaction.rejected", "redaction.accepted", "redaction.added"} <= actions
        assert not any("Sarah" in (e.summary or "") for e in db.session.scalars(db.select(AuditEntry)).all())


@pytest.mark.slow
def test_always_hide_list_and_storyteller_name(app, users, nlp, as_user):
    with app.app_context():
        admin = as_user(users["admin"])
        services.add_always_term("Bramley House", "place", admin)
        story = factories.make_story(as_user(users["reporter"]), text="Kez from Bramley House sorted my benefits.",
                                     storyteller_name="Kez")
        services.scan_story(story.id, nlp=nlp)
        rows = {r.text: r for r in services.redactions_for(story)}
        assert rows["Bramley House"].state == "accepted" and rows["Kez"].state == "accepted"
        try:
            services.reject_redaction(rows["Bramley House"], admin)
        except services.GovernanceError:
            pass
        else:
            raise AssertionError("an always-hide term was shown")
        assert "Bramley" not in policy.redacted_text(story) and "Kez" not in policy.redacted_text(story)


def test_overlapping_and_cross_segment_spans_leave_nothing(app, users, as_user):
    with app.app_context():
        reporter = as_user(users["reporter"])
        story = factories.make_story(reporter, text="I lived with Mary")
        story.segments.append(Segment(position=1, text="Ellen Hughes in Goole for years."))
        db.session.commit()
        text = story.transcript_text
        start = text.index("Mary")
        services.add_redaction(story, start, text.index("Hughes") + 6, "name", reporter)  # crosses the segment break
        services.add_redaction(story, text.index("Ellen"), text.index("Goole") + 3, "place", reporter)  # overlaps; half-word widened
        segments = policy.redacted_segments(story)
        joined = " ".join(s["text"] for s in segments)
        for secret in ("Mary", "Ellen", "Hughes", "Goole", "Goo"):
            assert secret not in joined
        # Merged into one span (the longer kind names it), cut at the segment break.
        assert segments[0]["text"] == "I lived with [place]"
        assert segments[1]["text"] == "[place] for years."


@pytest.mark.slow
def test_edits_re_detect_proposed_and_re_anchor_decided(app, users, nlp, as_user):
    with app.app_context():
        reporter = as_user(users["reporter"])
        story = _scanned(reporter, "Sarah Jones helped me. Then I moved to Leeds.", nlp)
        name = next(r for r in services.redactions_for(story) if r.kind == "name")
        services.accept_redaction(name, reporter)
        story.segments[0].text = "At first Sarah Jones helped me. Then I moved to Hull."
        story.revision += 1
        db.session.commit()
        services.scan_story(story.id, nlp=nlp)
        rows = {r.text: r for r in services.redactions_for(story)}
        assert rows["Sarah Jones"].state == "accepted" and rows["Sarah Jones"].start_char == 9
        assert "Leeds" not in rows and rows["Hull"].state == "proposed"
        assert policy.redacted_text(story) == "At first [name] helped me. Then I moved to [place]."


@pytest.mark.slow
def test_export_json_carries_redacted_text_and_states(app, users, nlp, as_user, tmp_path):
    from core.export import write_export

    with app.app_context():
        story = factories.make_story(as_user(users["reporter"]), text="Call Dave on 07700 900123 please.")
        services.scan_story(story.id, nlp=nlp)
        document = write_export(tmp_path / "out.json")
        entry = next(s for s in document["stories"] if s["id"] == story.id)
        assert entry["transcript_redacted"] == "Call [name] on [phone] please."
        assert {r["state"] for r in entry["redactions"]} == {"proposed"}
        assert set(entry["redactions"][0]) == {"start_char", "end_char", "kind", "state"}
        assert entry["safeguarding"]["state"] == "none"
        assert Redaction.query.count() == 2
