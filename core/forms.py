"""Form pieces every domain uses: a list of checkboxes, a form that is only a CSRF token, and how a
posted form is answered (`submit`)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectMultipleField
from wtforms.widgets import CheckboxInput, ListWidget


class CheckboxList(SelectMultipleField):
    """Several choices as a list of big checkboxes. Pass validate_choice=False where the
    service checks the choices itself and says what was wrong in plain words."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ConfirmForm(FlaskForm):
    """A bare form: only the CSRF token, for one-button actions (deactivate, accept, retry, …)."""


def csrf_field():
    """The hidden CSRF input, rendered once per request: a page with a form per row (theme page, board)
    would otherwise run WTForms' widget machinery for every row (a fifth of the theme page's time)."""
    from flask import g
    from flask_wtf.csrf import generate_csrf
    from markupsafe import Markup, escape

    if "csrf_field_html" not in g:
        g.csrf_field_html = Markup(f'<input id="csrf_token" name="csrf_token" type="hidden" value="{escape(generate_csrf())}">')
    return g.csrf_field_html


def submit(form, action, refusal: type[Exception], *, invalid: str | None = None, done=None):
    """Answer a posted form the way the board and theme pages do: if FORM validates, run ACTION() and flash
    DONE (a function of ACTION's result giving the message; None: nothing to say); a REFUSAL raised by the
    rules is flashed as an error, and so is INVALID when the form does not validate (None: the form is
    only its CSRF token, so 400). Returns ACTION's result, or None when nothing was done."""
    from flask import abort, flash

    if not form.validate_on_submit():
        if invalid is None:
            abort(400)
        flash(invalid, "error")
        return None
    try:
        result = action()
    except refusal as exc:
        flash(str(exc), "error")
        return None
    if done is not None:
        flash(done(result), "success")
    return result
