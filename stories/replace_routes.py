"""Find and replace pages: the preview, the replace, and undo (rules in stories/replace.py)."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from core.access import allow
from core.forms import ConfirmForm
from stories import bp, replace
from stories.services import StoryError

EDITORS = ("reporter", "admin")


def _scope() -> int | None:
    return request.values.get("story", type=int)


@bp.route("/stories/replace", methods=["GET"])
@allow(*EDITORS)
def find_replace():
    """The words to find and what to put instead, and a preview of every match before anything changes."""
    stories = replace.replaceable_stories(current_user, _scope())
    find, instead = request.args.get("find", ""), request.args.get("replace", "")
    match_case = request.args.get("case") == "1"
    matches, problem = [], ""
    if find.strip():
        try:
            matches = replace.find_matches(stories, find, match_case=match_case)
        except StoryError as exc:
            problem = exc.message
    by_story = {s.id: s for s in stories}
    return render_template("stories/replace.html", stories=by_story, matches=matches, find=find, instead=instead,
                           match_case=match_case, scope=_scope(), problem=problem, form=ConfirmForm())


@bp.route("/stories/replace", methods=["POST"])
@allow(*EDITORS)
def apply_replace():
    """Replace the ticked matches: one new version per story, each re-aligned and checked again."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    stories = replace.replaceable_stories(current_user, _scope())
    chosen = set(request.form.getlist("chosen"))
    done, problems = [], []
    for story in stories:
        if not any(key.startswith(f"{story.id}:") for key in chosen):
            continue
        try:
            replace.replace_in_story(story, request.form.get("find", ""), request.form.get("replace", ""),
                                     request.form.get(f"rev-{story.id}"), current_user, chosen=chosen,
                                     match_case=request.form.get("case") == "1")
            done.append(story)
        except StoryError as exc:
            problems.append((story, exc.message))
    return render_template("stories/replaced.html", done=done, problems=problems, scope=_scope(), form=ConfirmForm())


@bp.route("/stories/replace/undo", methods=["POST"])
@allow(*EDITORS)
def undo_replace():
    """Undo the last find and replace of each story named (`undo` = story id:revision)."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    undone = 0
    for item in request.form.getlist("undo"):
        story_id, _, revision = item.partition(":")
        if not story_id.isdigit():
            continue
        [story] = replace.replaceable_stories(current_user, int(story_id))
        try:
            replace.undo_replace(story, revision, current_user)
            undone += 1
        except StoryError as exc:
            flash(f"{story.title}: {exc.message}", "error")
    if undone:
        flash(f"Undone: the words from before the replace are back in {undone} "
              f"{'story' if undone == 1 else 'stories'}.", "success")
    scope = _scope()
    return redirect(url_for("stories.show", story_id=scope) if scope else url_for("stories.index"))
