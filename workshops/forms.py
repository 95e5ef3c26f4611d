"""Forms for workshops, design actions and timeline updates."""
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from core.forms import CheckboxList
from workshops.models import ACTION_STATUSES


class WorkshopForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired("Give the workshop a title."), Length(max=200)])
    date = DateField("Date", validators=[Optional()])
    place = StringField("Place", validators=[Length(max=200)])
    purpose = TextAreaField("Purpose")
    attendees = TextAreaField("Who is coming")
    theme_run_id = HiddenField()
    theme_ids = CheckboxList("Themes to talk about", coerce=int, validate_choice=False)
    story_ids = CheckboxList("Stories to share", coerce=int, validate_choice=False)
    version = HiddenField()


class ActionForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired("Give the action a short title."), Length(max=200)])
    description = TextAreaField("What will change for people on probation")
    owner = StringField("Owner", validators=[Length(max=120)])
    due_date = DateField("Due date", validators=[Optional()])
    status = SelectField("Status", choices=list(ACTION_STATUSES.items()))
    status_reason = TextAreaField("Reason (needed if dropped)")
    proposed_by = StringField("Who proposed it", validators=[Length(max=200)])
    disagreement = TextAreaField("Disagreement or minority view")
    theme_ids = CheckboxList("Themes it rests on", coerce=int, validate_choice=False)
    story_ids = CheckboxList("Stories it rests on", coerce=int, validate_choice=False)
    quotes = CheckboxList("Quotes it rests on", coerce=int, validate_choice=False)
    chosen = CheckboxList("Quotes people chose", coerce=int, validate_choice=False)
    version = HiddenField()


class UpdateForm(FlaskForm):
    status = SelectField("New status", choices=[("", "Keep the status as it is")] + list(ACTION_STATUSES.items()),
                         validators=[Optional()])
    comment = TextAreaField("Comment")
    version = HiddenField()


class PackForm(FlaskForm):
    pass
