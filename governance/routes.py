"""Governance pages: redaction review, consent withdrawal, safeguarding queue,
erasure, subject access, settings, and the signed clip route."""
from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from core.access import SIGNED_IN, allow
from core.forms import ConfirmForm
from extensions import db
from governance import bp, policy, services
from governance.forms import (
    AddRedactionForm,
    DecisionForm,
    EraseForm,
    RetentionForm,
    TermForm,
    WithdrawForm,
)
from governance.models import AlwaysRedactTerm, Redaction
from stories.models import Story


def _story_page(story: Story) -> str:
    try:
        return url_for("stories.show", story_id=story.id)
    except Exception:
        return url_for("governance.review", story_id=story.id)


def _reviewable(story_id: int, *, decide: bool = False) -> Story:
    """The story if the user may read it (and, with `decide`, decide its suggestions); else 404."""
    story = db.session.get(Story, story_id)
    if story is None or not policy.may(current_user, story, "read"):
        abort(404)
    if decide and not policy.may_decide_suggestions(current_user, story):
        abort(403)
    return story


# --- redaction review ------------------------------------------------------------------

@bp.route("/stories/<int:story_id>/redactions")
@allow("reporter", "facilitator", "admin", "safeguarding_lead")
def review(story_id: int):
    """See each redaction; accept, reject, or add one.

    The story's reporter, admins and the safeguarding lead see the whole unredacted transcript (the
    view is audited) and decide suggestions. Facilitators see only what others will see, and may
    hide more words they can read there.
    """
    story = _reviewable(story_id)
    page = services.review_page(story, current_user)
    return render_template("governance/review.html", story=story, form=ConfirmForm(), add_form=AddRedactionForm(),
                           story_page=_story_page(story), **page)


@bp.route("/stories/<int:story_id>/redactions/<int:redaction_id>/accept", methods=["POST"], defaults={"decision": "accept"},
          endpoint="accept_redaction")
@bp.route("/stories/<int:story_id>/redactions/<int:redaction_id>/reject", methods=["POST"], defaults={"decision": "reject"},
          endpoint="reject_redaction")
@allow("reporter", "facilitator", "admin", "safeguarding_lead")
def decide_redaction(story_id: int, redaction_id: int, decision: str):
    """Accept or reject one redaction (those who see the story unredacted)."""
    story = _reviewable(story_id, decide=True)
    row = db.session.get(Redaction, redaction_id)
    if row is None or row.story_id != story.id or not ConfirmForm().validate_on_submit():
        abort(404 if row is None or row.story_id != story.id else 400)
    try:
        (services.accept_redaction if decision == "accept" else services.reject_redaction)(row, current_user)
    except services.GovernanceError as exc:
        flash(str(exc), "error")
    else:
        flash("Hidden." if decision == "accept" else "Kept: these words will show.", "success")
    return redirect(url_for("governance.review", story_id=story.id))


@bp.route("/stories/<int:story_id>/redactions/accept-all", methods=["POST"])
@allow("reporter", "facilitator", "admin", "safeguarding_lead")
def accept_all(story_id: int):
    """Accept every suggestion still waiting."""
    story = _reviewable(story_id, decide=True)
    if ConfirmForm().validate_on_submit():
        count = services.accept_all_proposed(story, current_user)
        flash(f"{count} suggestions accepted.", "success")
    return redirect(url_for("governance.review", story_id=story.id))


@bp.route("/stories/<int:story_id>/redactions/checked", methods=["POST"])
@allow("reporter", "admin", "safeguarding_lead")
def language_checked(story_id: int):
    """A person checked the hidden details of a story in another language: it may be seen (redacted)."""
    from governance.languages import confirm_checked

    story = _reviewable(story_id, decide=True)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        confirm_checked(story, current_user)
    except services.GovernanceError as exc:
        flash(str(exc), "error")
    else:
        flash("Thank you: the hidden details are checked, and others can now see it with them hidden.", "success")
    return redirect(url_for("governance.review", story_id=story.id))


@bp.route("/stories/<int:story_id>/redactions/add", methods=["POST"])
@allow("reporter", "facilitator", "admin", "safeguarding_lead")
def add_redaction(story_id: int):
    """Hide words the reviewer selected (or typed)."""
    story = _reviewable(story_id)
    full = policy.sees_unredacted(current_user, story)
    form = AddRedactionForm()
    if form.validate_on_submit():
        try:
            if not policy.may_hide_words(current_user, story, form.words.data):
                # Facilitators hide words they can read in the redacted story; the unredacted
                # transcript is not searched for them (that would tell them what it holds).
                raise services.GovernanceError("Type words as they appear under “What others will see”.")
            if full and (form.start_char.data or "").isdigit() and (form.end_char.data or "").isdigit():
                services.add_redaction(story, int(form.start_char.data), int(form.end_char.data), form.kind.data,
                                       current_user)
                flash("Hidden.", "success")
            else:
                rows = services.add_redaction_by_words(story, form.words.data, form.kind.data, current_user)
                flash(f"Hidden in {len(rows)} place{'s' if len(rows) != 1 else ''}.", "success")
        except services.GovernanceError as exc:
            flash(str(exc), "error")
    return redirect(url_for("governance.review", story_id=story.id))


@bp.route("/stories/<int:story_id>/redactions/check-again", methods=["POST"])
@allow("reporter", "facilitator", "admin", "safeguarding_lead")
def check_again(story_id: int):
    """Run the automatic check again (after the transcript was edited)."""
    story = _reviewable(story_id)
    if ConfirmForm().validate_on_submit():
        services.start_scan(story, current_user)
        flash("Checking again. This takes a minute.", "info")
    return redirect(url_for("governance.review", story_id=story.id))


# --- consent --------------------------------------------------------------------------------

@bp.route("/stories/<int:story_id>/consent/withdraw", methods=["GET", "POST"])
@allow("reporter", "admin")
def withdraw(story_id: int):
    """Withdraw consent: the story stops being used everywhere at once."""
    story = db.session.get(Story, story_id)
    if story is None or not policy.may(current_user, story, "list"):
        abort(404)
    if not policy.may_withdraw(current_user, story):
        abort(403)
    form = WithdrawForm()
    if form.validate_on_submit():
        try:
            services.withdraw_consent(story, current_user, requested_by=form.requested_by.data,
                                      reason=form.reason.data)
        except services.GovernanceError as exc:
            flash(str(exc), "error")
        else:
            flash("Consent withdrawn. The story is no longer used anywhere.", "success")
        return redirect(_story_page(story))
    return render_template("governance/withdraw.html", story=story, form=form, story_page=_story_page(story))


# --- safeguarding ------------------------------------------------------------------------------

@bp.route("/safeguarding")
@allow("safeguarding_lead")
def safeguarding_queue():
    """Stories waiting for the safeguarding lead's decision."""
    from governance.alerts import ordered_queue

    return render_template("governance/safeguarding_queue.html", queue=ordered_queue(),
                           decided=services.recent_decisions())


@bp.route("/safeguarding/stories/<int:story_id>", methods=["GET", "POST"])
@allow("safeguarding_lead")
def safeguarding_story(story_id: int):
    """Read the flagged passages and record a decision."""
    story = db.get_or_404(Story, story_id)
    if request.method == "GET":  # opening it is an unredacted view, and reads its alerts
        from governance.alerts import mark_story_alerts_read

        services.record_unredacted_view(current_user, story, where="safeguarding review")
        mark_story_alerts_read(current_user, story.id)
    form = DecisionForm()
    if form.validate_on_submit():
        try:
            services.decide_safeguarding(story, form.decision.data, form.note.data, current_user)
        except services.GovernanceError as exc:
            flash(str(exc), "error")
        else:
            flash("Decision recorded.", "success")
            return redirect(url_for("governance.safeguarding_queue"))
    flags = services.flags_for(story)
    flagged_positions = {f.segment_position for f in flags}
    return render_template("governance/safeguarding_story.html", story=story, form=form, flags=flags,
                           flagged_positions=flagged_positions, gov=services.governance_for(story, create=False))


# --- admin: erasure, subject access, settings -----------------------------------------------------

@bp.route("/admin/stories/<int:story_id>/erase", methods=["GET", "POST"])
@allow("admin")
def erase(story_id: int):
    """Erase a story completely (an audit entry records that it existed)."""
    story = db.get_or_404(Story, story_id)
    form = EraseForm()
    if form.validate_on_submit():
        if form.confirm.data.strip() != str(story.id):
            form.confirm.errors.append(f"Type {story.id} to confirm.")
        else:
            services.erase_story(story, current_user)
            flash(f"Story {story_id} is erased.", "success")
            return redirect(url_for("stories.index"))
    return render_template("governance/erase.html", story=story, form=form, story_page=_story_page(story))


@bp.route("/admin/stories/<int:story_id>/subject-access.zip")
@allow("admin")
def subject_access(story_id: int):
    """Everything held about one story, as a ZIP."""
    story = db.get_or_404(Story, story_id)
    data = services.subject_access_zip(story, current_user)
    return Response(data, mimetype="application/zip", headers={
        "Content-Disposition": f"attachment; filename=storyloom-story-{story.id}.zip",
        "Cache-Control": "no-store"})


@bp.route("/admin/governance", methods=["GET", "POST"])
@allow("admin")
def settings():
    """Retention period and the always-hide list."""
    retention = RetentionForm(prefix="retention", months=services.retention_months())
    term = TermForm(prefix="term")
    if request.method == "POST" and "retention-months" in request.form and retention.validate_on_submit():
        services.set_retention_months(retention.months.data, current_user)
        flash("Retention period saved.", "success")
        return redirect(url_for("governance.settings"))
    if request.method == "POST" and "term-term" in request.form and term.validate_on_submit():
        try:
            services.add_always_term(term.term.data, term.kind.data, current_user)
        except services.GovernanceError as exc:
            term.term.errors.append(str(exc))
        else:
            flash("Added. It will be hidden in every story checked from now on.", "success")
            return redirect(url_for("governance.settings"))
    return render_template("governance/settings.html", retention=retention, term=term,
                           terms=services.always_redact_terms(), form=ConfirmForm())


@bp.route("/admin/governance/terms/<int:term_id>/delete", methods=["POST"])
@allow("admin")
def delete_term(term_id: int):
    """Take a term off the always-hide list."""
    row = db.session.get(AlwaysRedactTerm, term_id)
    if row is None:
        abort(404)
    if ConfirmForm().validate_on_submit():
        services.remove_always_term(row, current_user)
        flash("Removed from the list.", "success")
    return redirect(url_for("governance.settings"))


@bp.route("/admin/governance/retention/run", methods=["POST"])
@allow("admin")
def run_retention():
    """Queue the retention job now (it also runs every night); its page shows what it did."""
    if ConfirmForm().validate_on_submit():
        from jobs.services import start_job

        job = start_job("governance.retention", user=current_user)
        return redirect(url_for("jobs.show", job_id=job.id))
    return redirect(url_for("governance.settings"))


# --- clips --------------------------------------------------------------------------------------

@bp.route("/clips/<token>.mp3")
@allow(SIGNED_IN)
def clip(token: str):
    """A redacted clip behind a signed URL that expires after 10 minutes."""
    from governance.clips import ClipRefused, redacted_clip_file

    data = policy.read_clip_token(token)
    story = db.session.get(Story, data["s"]) if data else None
    if story is None or not (policy.may(current_user, story, "quote") or policy.sees_unredacted(current_user, story)):
        abort(404)
    try:
        object_key = redacted_clip_file(story, data["a"], data["b"])
    except ClipRefused:
        abort(404)
    from core.serve import send_sealed

    return send_sealed(object_key, "audio/mpeg", download_name=f"clip-{story.id}.mp3")


# --- the story page's panel -------------------------------------------------------------------

def governance_panel(story: Story) -> dict:
    """What templates/governance/_story_panel.html shows for `story`."""
    from stories.models import CONSENT_SCOPES

    rows = services.redactions_for(story)
    scopes = story.consent_scopes()
    user = current_user
    return {
        "consent": story.current_consent,
        "scopes": scopes,
        "scope_labels": [CONSENT_SCOPES.get(s, s) for s in scopes],
        "counts": {state: sum(1 for r in rows if r.state == state) for state in ("proposed", "accepted", "rejected")},
        "gov": services.governance_for(story, create=False),
        "may_review": policy.may(user, story, "read"),
        "may_withdraw": policy.may_withdraw(user, story),
    }


@bp.app_context_processor
def _governance_globals():
    from governance.alerts import alert_globals

    return {"governance_panel": governance_panel, "story_hold_label": policy.hold_label,
            "story_title": lambda story: policy.shown_title(current_user, story),
            "story_notes": lambda story: policy.shown_notes(current_user, story), **alert_globals()}
