"""Form pieces every domain uses: a list of checkboxes, and a form that is only a CSRF token."""
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
