"""Forms for consent withdrawal, redaction review, safeguarding decisions, erasure and settings."""
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from engines.redaction.spans import TAGS

KIND_CHOICES = [(kind, tag.strip("[]").capitalize()) for kind, tag in TAGS.items()]


class WithdrawForm(FlaskForm):
    requested_by = StringField("Who asked for this?", validators=[Optional(), Length(max=200)],
                               default="The storyteller")
    reason = TextAreaField("Why (optional)", validators=[Optional(), Length(max=2000)])


class AddRedactionForm(FlaskForm):
    start_char = HiddenField()
    end_char = HiddenField()
    words = StringField("Words to hide", validators=[Optional(), Length(max=200)])
    kind = SelectField("What is it?", choices=KIND_CHOICES, default="name")


class DecisionForm(FlaskForm):
    decision = RadioField("Your decision", choices=[
        ("no_action", "No action needed: the story can be used"),
        ("action_taken", "I have taken action: the story can be used"),
        ("restricted", "Restrict it: keep it out of analysis for good"),
    ], validators=[InputRequired(message="Choose a decision.")])
    note = TextAreaField("Note of what you decided and why", validators=[DataRequired(message="Write a short note."),
                                                                         Length(max=4000)])


class EraseForm(FlaskForm):
    confirm = StringField("Type the story number to confirm", validators=[DataRequired()])


class RetentionForm(FlaskForm):
    months = IntegerField("Keep original audio and unredacted text for (months)",
                          validators=[InputRequired(), NumberRange(min=1, max=240)])


class TermForm(FlaskForm):
    term = StringField("Name or place to always hide", validators=[DataRequired(), Length(max=200)])
    kind = SelectField("What is it?", choices=KIND_CHOICES, default="name")
