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
