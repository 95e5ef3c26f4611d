"""Forms for adding a story: its details, the storyteller's consent, and the sound or words."""
from __future__ import annotations

import re

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, MultipleFileField
from wtforms import DateField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from core.forms import CheckboxList
from stories.models import CONSENT_METHODS, CONSENT_SCOPES, STORYTELLER_ROLES

# A typed story can be in any language; a recording only in one the installed model can transcribe.
LANGUAGES = [("en", "English"), ("cy", "Welsh"), ("pl", "Polish"), ("ro", "Romanian"), ("pa", "Punjabi"),
             ("ur", "Urdu"), ("other", "Another language")]


def spoken_languages() -> list[tuple[str, str]]:
    """The languages the configured Whisper model can type up (English only for tiny.en)."""
    from flask import current_app

    from engines.transcription.models import languages_for

    return languages_for(current_app.config.get("WHISPER_MODEL"))


def parse_clock(text: str | None) -> float | None:
    """'1:05' or '65' or '1:02:03' -> seconds; None for empty. Raises ValueError."""
    text = (text or "").strip()
    if not text:
        return None
    if not re.fullmatch(r"\d+(:\d{1,2}){0,2}(\.\d+)?", text):
        raise ValueError(text)
    seconds = 0.0
    for part in text.split(":"):
        seconds = seconds * 60 + float(part)
    return seconds


class StoryDetailsForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired("Give the story a short title."), Length(max=200)])
    storyteller_role = RadioField("Who told the story?", choices=list(STORYTELLER_ROLES.items()),
                                  default="service_user", validators=[DataRequired("Choose who told the story.")])
    storyteller_name = StringField("Storyteller's name (you can leave this empty)", validators=[Length(max=120)])
    recorded_on = DateField("Day it was recorded", validators=[Optional()])
    language = SelectField("Language", choices=LANGUAGES, default="en")
    notes = TextAreaField("Notes (you can leave this empty)", validators=[Length(max=5000)])
    consent_scopes = CheckboxList("What did the storyteller say yes to?", choices=list(CONSENT_SCOPES.items()))
    consent_method = RadioField("How did they say yes?", choices=list(CONSENT_METHODS.items()), default="signed_form",
                                validators=[Optional()])
    consent_clip_start = StringField("Where they say yes on the recording: starts at (minutes:seconds)",
                                     validators=[Length(max=12)])
    consent_clip_end = StringField("Ends at (minutes:seconds)", validators=[Length(max=12)])
    consent_form = FileField("Photo or scan of the signed form (you can leave this empty)")

    def validate_consent_clip_start(self, field):
        try:
            parse_clock(field.data)
        except ValueError:
            raise ValidationError("Write the time like 1:05 (one minute five seconds).") from None

    def validate_consent_clip_end(self, field):
        try:
            end = parse_clock(field.data)
            start = parse_clock(self.consent_clip_start.data)
        except ValueError:
            raise ValidationError("Write the time like 1:05 (one minute five seconds).") from None
        if end is not None and start is not None and end <= start:
            raise ValidationError("The end must be after the start.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.language.choices = self.language_choices()
        if self.language.data not in {code for code, _ in self.language.choices}:
            self.language.data = self.language.choices[0][0] if not self.is_submitted() else self.language.data

    def language_choices(self) -> list[tuple[str, str]]:
        return spoken_languages()

    def details(self) -> dict:
        return {"title": (self.title.data or "").strip(), "storyteller_role": self.storyteller_role.data,
                "storyteller_name": (self.storyteller_name.data or "").strip(), "recorded_on": self.recorded_on.data,
                "language": self.language.data or "en", "notes": (self.notes.data or "").strip()}

    def consent(self) -> dict:
        return {"scopes": list(self.consent_scopes.data or []), "method": self.consent_method.data or "signed_form",
                "clip_start": parse_clock(self.consent_clip_start.data),
                "clip_end": parse_clock(self.consent_clip_end.data)}


class UploadStoryForm(StoryDetailsForm):
    # The shared title may stay empty when every file has its own (stories/batch.py).
    title = StringField("Title", validators=[Length(max=200)])
    audio = MultipleFileField("Sound files")
    submit = SubmitField("Save and type it up")

    def chosen_files(self) -> list:
        return [f for f in (self.audio.data or []) if getattr(f, "filename", "")]

    def _file_choices(self) -> tuple[list[dict], list[str]]:
        from flask import request

        from stories.batch import file_choices

        return file_choices(request.form, len(self.chosen_files()))

    def file_choices(self) -> list[dict]:
        """Each file's own title, role and consent (validated in validate_audio)."""
        return self._file_choices()[0]

    def validate_title(self, field):
        files = self.chosen_files()
        if not (field.data or "").strip() and not (files and all("title" in c for c in self.file_choices())):
            raise ValidationError("Give the story a short title.")

    def validate_audio(self, field):
        if not self.chosen_files():
            raise ValidationError("Choose at least one sound file.")
        problems = self._file_choices()[1]
        if problems:
            raise ValidationError(" ".join(problems))


class RecordStoryForm(StoryDetailsForm):
    submit = SubmitField("Save the recording")


class TextStoryForm(StoryDetailsForm):
    text = TextAreaField("The story's words", validators=[Length(max=500_000)])
    text_file = FileField("Or choose a text file (.txt)")
    submit = SubmitField("Save the story")

    def language_choices(self) -> list[tuple[str, str]]:
        return LANGUAGES

    def validate_text(self, field):
        has_file = getattr(self.text_file.data, "filename", "")
        if not (field.data or "").strip() and not has_file:
            raise ValidationError("Type the story, or choose a .txt file.")


class EditDetailsForm(FlaskForm):
    """A saved story's details (consent has its own form: a change is a new consent record)."""

    title = StoryDetailsForm.title
    storyteller_role = StoryDetailsForm.storyteller_role
    storyteller_name = StoryDetailsForm.storyteller_name
    recorded_on = StoryDetailsForm.recorded_on
    language = SelectField("Language", default="en")
    notes = StoryDetailsForm.notes
    submit = SubmitField("Save the details")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from engines.transcription.models import MULTILINGUAL

        self.language.choices = list(dict([*LANGUAGES[:-1], *MULTILINGUAL, LANGUAGES[-1]]).items())

    details = StoryDetailsForm.details


class ChangeConsentForm(FlaskForm):
    consent_scopes = StoryDetailsForm.consent_scopes
    consent_method = StoryDetailsForm.consent_method
    submit = SubmitField("Save the new consent")

    def consent(self) -> dict:
        return {"scopes": list(self.consent_scopes.data or []), "method": self.consent_method.data or "signed_form"}
