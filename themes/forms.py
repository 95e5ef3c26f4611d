"""Forms for starting a run and reshaping themes."""
from flask_wtf import FlaskForm
from wtforms import FieldList, FormField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from core.forms import CheckboxList
from themes.services import CODE_COLOURS


class SeedForm(FlaskForm):
    class Meta:
        csrf = False

    name = StringField("Name", validators=[Optional(), Length(max=200)])
    description = StringField("In one sentence", validators=[Optional(), Length(max=1000)])


class RunForm(FlaskForm):
    seeds = FieldList(FormField(SeedForm), min_entries=4, max_entries=12)
    min_stories = IntegerField("Smallest theme: how many stories", default=2,
                               validators=[InputRequired("Give a number."), NumberRange(1, 50, "Between 1 and 50.")])

    def seed_list(self) -> list[dict]:
        return [{"name": s.form.name.data.strip(), "description": (s.form.description.data or "").strip()}
                for s in self.seeds if (s.form.name.data or "").strip()]


class ThemeEditForm(FlaskForm):
    label = StringField("Name", validators=[DataRequired("Give the theme a name."), Length(max=200)])
    description = TextAreaField("What this theme is about", validators=[Optional(), Length(max=4000)])
    reason = StringField("Why (optional)", validators=[Optional(), Length(max=500)])
    version = HiddenField()


class MergeForm(FlaskForm):
    target = SelectField("Merge this theme into", coerce=int, validators=[InputRequired("Choose a theme.")])
    reason = StringField("Why (optional)", validators=[Optional(), Length(max=500)])


class SplitForm(FlaskForm):
    label = StringField("Name of the new theme", validators=[DataRequired("Name the new theme."), Length(max=200)])
    passages = CheckboxList("Passages that go into the new theme", coerce=int)
    reason = StringField("Why (optional)", validators=[Optional(), Length(max=500)])


class ReclusterForm(FlaskForm):
    parts = SelectField("Split into", coerce=int, choices=[(2, "2 parts"), (3, "3 parts"), (4, "4 parts")], default=2)


class NewThemeForm(FlaskForm):
    label = StringField("Name of the new theme", validators=[DataRequired("Name the new theme."), Length(max=200)])
    description = TextAreaField("What it is about (optional)", validators=[Optional(), Length(max=4000)])


class NoteForm(FlaskForm):
    text = TextAreaField("Add a note", validators=[DataRequired("Write the note first."), Length(max=4000)])


class MoveForm(FlaskForm):
    theme_id = SelectField("Move to", coerce=int, validators=[InputRequired("Choose a theme.")])
    next = HiddenField()


class CodeForm(FlaskForm):
    name = StringField("Code name", validators=[DataRequired("Give the code a name."), Length(max=80)])
    colour = SelectField("Colour", choices=list(CODE_COLOURS.items()), default="blue")
    description = StringField("What it means (optional)", validators=[Optional(), Length(max=500)])


class TagForm(FlaskForm):
    code_id = SelectField("Add a code", coerce=int, validators=[InputRequired("Choose a code.")])
    next = HiddenField()
