"""Pages for stories: the reporter's list, adding a story three ways, the story page and its editor."""
from __future__ import annotations

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from core.access import allow
from core.forms import ConfirmForm
from core.pagecache import cached, cached_page
from core.request import body_limit
from extensions import db
from governance import policy
from stories import bp, replace, services, transcript
from stories.forms import RecordStoryForm, TextStoryForm, UploadStoryForm
from stories.media import MediaError, human_size
from stories.models import CONSENT_SCOPES, STORY_STATUSES, STORYTELLER_ROLES

VIEWERS = ("reporter", "admin", "facilitator", "safeguarding_lead")
ADDERS = ("reporter", "admin")


@bp.route("/stories")
@allow(*VIEWERS)
@cached_page
def index():
    """The stories you can see, with where each one has got to."""
    status = request.args.get("status") if request.args.get("status") in STORY_STATUSES else None
    page = db.paginate(services.visible_stories(current_user, status=status), per_page=PAGE_SIZE, max_per_page=100,
                       error_out=False)
    stories = page.items
    jobs = services.latest_transcriptions([s.id for s in stories if s.status in ("queued", "transcribing", "failed")])
    _prefetch_holds([s.id for s in stories])
    return render_template("stories/index.html", stories=stories, jobs=jobs, status=status, page=page,
                           statuses=STORY_STATUSES, form=ConfirmForm())


PAGE_SIZE = 50


def _prefetch_holds(story_ids) -> None:
    try:
        from governance.policy import prefetch_holds
    except ImportError:  # governance is optional
        return
    prefetch_holds(story_ids)


@bp.route("/stories/new")
@allow(*ADDERS)
def new():
    """Choose how to add a story: record, upload a sound file, or type it."""
    return render_template("stories/new.html")


def _several_files() -> int:
    """Room for several files; each is checked against MAX_UPLOAD_BYTES as it is stored."""
    return current_app.config["MAX_UPLOAD_BYTES"] * 10 + 10 * 1024 * 1024


@bp.route("/stories/new/upload", methods=["GET", "POST"])
@body_limit(_several_files)
@allow(*ADDERS)
def new_upload():
    """Upload one or more sound files; each becomes a story and is typed up."""
    form = UploadStoryForm()
    status = 200
    outcomes = []
    if form.validate_on_submit():
        from stories.batch import add_uploads

        files = form.chosen_files()
        outcomes = add_uploads(files, form.details(), form.consent(), current_user, consent_form=form.consent_form.data,
                               choices=form.file_choices())
        made = [o.story for o in outcomes if o.story is not None]
        if len(made) == 1 == len(outcomes):
            flash("Saved. The computer is now typing up the words.", "success")
            return redirect(url_for("stories.show", story_id=made[0].id))
        if made:
            flash(f"Saved {len(made)} of {len(files)} files. The computer is now typing up the words."
                  + (" The others had a problem: see below." if len(made) < len(files) else ""),
                  "success" if len(made) == len(files) else "warning")
        else:
            status = max(o.status for o in outcomes)
            for outcome in outcomes:
                form.audio.errors.append(f"{outcome.name}: {outcome.error}")
    elif request.method == "POST":
        status = 400
    return render_template("stories/upload.html", form=form, outcomes=outcomes,
                           max_size=human_size(current_app.config["MAX_UPLOAD_BYTES"])), status


@bp.route("/stories/new/record")
@allow(*ADDERS)
def new_recording():
    """Record a story in the browser; it is sent in small pieces while you talk."""
    return render_template("stories/record.html", form=RecordStoryForm())


@bp.route("/stories/new/text", methods=["GET", "POST"])
@allow(*ADDERS)
def new_text():
    """Type a story, or add it as a .txt file."""
    form = TextStoryForm()
    status = 400 if form.is_submitted() else 200  # a form sent back unsaved says why, with a 400
    if form.validate_on_submit():
        try:
            filename = ""
            text = form.text.data or ""
            if not text.strip():
                filename = form.text_file.data.filename
                text = services.read_text_file(form.text_file.data.stream, filename)
            story = services.create_text_story(text, form.details(), form.consent(), current_user,
                                               filename=filename, consent_form=form.consent_form.data)
        except (MediaError, services.StoryError) as exc:
            form.text.errors.append(exc.message)
        else:
            flash("Saved. Your story is ready.", "success")
            return redirect(url_for("stories.show", story_id=story.id))
    return render_template("stories/text.html", form=form), status


@bp.route("/stories/<int:story_id>")
@allow(*VIEWERS)
def show(story_id: int):
    """One story: its details, consent, progress, and the transcript editor."""
    page = cached(lambda: _story_page(services.get_story(current_user, story_id)))
    # Audited for every view, cached or not; after rendering, so its commit does not make the page reload every row.
    services.note_unredacted_view(current_user, services.get_story(current_user, story_id), "story page")
    return page


def _story_page(story) -> str:
    from governance.policy import redacted_segments

    full = policy.sees_unredacted(current_user, story)
    policy.prefetch_redactions([story.id])  # its words, title and notes ask in turn
    shown = [s.to_dict() for s in story.segments]
    english_only = not full and policy.english_only(story)  # others meet only its redacted English version
    if english_only:
        shown = []
    elif not full:
        for seg, red in zip(shown, redacted_segments(story)):
            seg.update(text=red["text"], words=[])
    page = render_template(
        "stories/show.html", story=story, segments=shown, job=services.latest_transcription(story),
        english=policy.shown_english(current_user, story), english_only=english_only,
        may_edit=policy.may_edit_transcript(current_user, story), may_hear=full and story.media,
        show_name=full, show_file_name=policy.sees_file_name(current_user, story), speakers=_speaker_choices(shown),
        scopes=CONSENT_SCOPES, language_name=_language_name(story.language),
        last_replace=full and policy.may_edit_transcript(current_user, story) and replace.last_replace(story),
        roles=STORYTELLER_ROLES, form=ConfirmForm(),
    )
    return page


def _speaker_choices(segments: list[dict]) -> list[str]:
    """The editor's speaker menu: the usual labels and every label already in this story."""
    used = [s["speaker"] for s in segments if s.get("speaker")]
    return list(dict.fromkeys([*transcript.SPEAKERS, *used]))


def _language_name(code: str) -> str:
    from engines.transcription.models import MULTILINGUAL
    from stories.forms import LANGUAGES

    return dict([*LANGUAGES, *MULTILINGUAL]).get(code or "en", code)


@bp.route("/stories/<int:story_id>/audio")
@allow(*VIEWERS)
def audio(story_id: int):
    """The original recording, decrypted as it is sent, with Range support so the player can seek."""
    from stories.serving import original_response

    story = services.get_story(current_user, story_id)
    if not policy.sees_unredacted(current_user, story) or story.media is None:
        abort(404)
    return original_response(current_user, story)


@bp.route("/stories/<int:story_id>/transcript", methods=["POST"])
@allow(*VIEWERS)
def save_transcript(story_id: int):
    """Save the editor's changes (JSON from stories-editor.js) as a new version."""
    story = services.get_story(current_user, story_id, edit=True)
    data = request.get_json(silent=True)
    try:
        segments = services.check_transcript_save(data)
        version = transcript.save_transcript(story, segments, data.get("revision", -1), current_user)
    except services.StoryError as exc:
        return jsonify({"message": exc.message, "revision": story.revision}), exc.status
    except (TypeError, ValueError):
        return jsonify({"message": "Something in that save was not right. Please reload the page."}), 400
    return jsonify({"message": f"Saved as version {version.number}.", "revision": story.revision, "version": version.number})


@bp.route("/stories/<int:story_id>/review", methods=["POST"])
@allow(*VIEWERS)
def review(story_id: int):
    """Mark the transcript as checked: the story moves on to analysis."""
    return _confirmed_step(story_id, services.mark_reviewed, ("Thank you. The story is checked and ready.", "success"))


def _confirmed_step(story_id: int, step, said: tuple[str, str]):
    """Run `step(story, user)` on a confirmed form for a story you may edit; flash `said` or its error."""
    story = services.get_story(current_user, story_id, edit=True)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        step(story, current_user)
        flash(*said)
    except services.StoryError as exc:
        flash(exc.message, "error")
    return redirect(url_for("stories.show", story_id=story.id))


@bp.route("/stories/<int:story_id>/retry", methods=["POST"])
@allow(*VIEWERS)
def retry(story_id: int):
    """Try typing up a recording again after it failed."""
    return _confirmed_step(story_id, services.retry_transcription, ("Trying again.", "info"))


@bp.route("/stories/<int:story_id>/versions")
@allow(*VIEWERS)
def versions(story_id: int):
    """Every saved version, and what changed from the computer's first try."""
    story = services.get_story(current_user, story_id, edit=True)
    if not policy.sees_unredacted(current_user, story):
        abort(404)  # earlier versions hold words that may have been redacted since
    services.note_unredacted_view(current_user, story, "transcript versions")
    all_versions = transcript.versions(story)
    machine = transcript.machine_version(story)
    chosen_number = request.args.get("number", type=int) or (all_versions[0].number if all_versions else None)
    chosen = next((v for v in all_versions if v.number == chosen_number), None)
    diff = transcript.word_diff(transcript.version_text(machine), transcript.version_text(chosen)) if machine and chosen else []
    return render_template("stories/versions.html", story=story, versions=all_versions, machine=machine,
                           chosen=chosen, diff=diff, form=ConfirmForm())


@bp.route("/stories/<int:story_id>/versions/<int:number>/restore", methods=["POST"])
@allow(*VIEWERS)
def restore(story_id: int, number: int):
    """Make an earlier version the current transcript again."""
    story = services.get_story(current_user, story_id, edit=True)
    if not policy.sees_unredacted(current_user, story):
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        version = transcript.restore_version(story, number, current_user)
        flash(f"Version {number} is back, saved as version {version.number}.", "success")
    except services.StoryError as exc:
        flash(exc.message, "error")
    return redirect(url_for("stories.show", story_id=story.id))


@bp.route("/glossary", methods=["GET", "POST"])
@allow("admin")
def glossary():
    """The site glossary: words the speech model should expect (places, services, acronyms, slang)."""
    from stories import glossary as words

    form = ConfirmForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        try:
            if request.form.get("remove"):
                words.remove_term(int(request.form["remove"]), current_user)
                flash("Removed from the glossary.", "success")
            else:
                added = words.add_term(request.form.get("term", ""), current_user)
                flash(f"“{added.term}” added. New recordings will listen for it.", "success")
        except services.StoryError as exc:
            flash(exc.message, "error")
        return redirect(url_for("stories.glossary"))
    return render_template("stories/glossary.html", terms=words.terms(), form=form)


@bp.route("/stories/<int:story_id>/details", methods=["GET", "POST"])
@allow(*ADDERS)
def edit_details(story_id: int):
    """Change a saved story's title, storyteller role, recorded date, language or notes."""
    from stories.details import update_details
    from stories.forms import EditDetailsForm

    story = services.get_story(current_user, story_id, edit=True)
    form = EditDetailsForm(obj=story)
    if form.validate_on_submit():
        try:
            changed = update_details(story, form.details(), current_user)
            flash("Details saved." if changed else "Nothing was changed.", "success")
            return redirect(url_for("stories.show", story_id=story.id))
        except services.StoryError as exc:
            flash(exc.message, "error")
    return render_template("stories/edit_details.html", story=story, form=form)


@bp.route("/stories/<int:story_id>/consent", methods=["GET", "POST"])
@allow(*ADDERS)
def change_consent(story_id: int):
    """Record what the storyteller agrees to now, as a new consent record (the old one is kept)."""
    from stories.details import change_consent as record_new_consent
    from stories.forms import ChangeConsentForm

    story = services.get_story(current_user, story_id, edit=True)
    current = story.current_consent
    form = ChangeConsentForm(data={"consent_scopes": current.scopes if current else [],
                                   "consent_method": current.method if current else "signed_form"}
                             if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            record_new_consent(story, form.consent(), current_user)
            flash("The new consent is saved. The earlier record is kept.", "success")
            return redirect(url_for("stories.show", story_id=story.id))
        except services.StoryError as exc:
            flash(exc.message, "error")
    return render_template("stories/change_consent.html", story=story, form=form)


from stories import replace_routes, voice_routes  # noqa: E402,F401  (more pages on the same blueprint)
