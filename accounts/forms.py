"""Forms for signing in, passwords and the admin's user pages."""
from flask_wtf import FlaskForm
from wtforms import EmailField, IntegerField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length, NumberRange

from core.forms import CheckboxList
from config import ROLES

ROLE_LABELS = {
    "reporter": "Reporter — adds stories and checks transcripts",
    "facilitator": "Facilitator — shapes themes and runs workshops",
    "manager": "Manager — follows design actions and their evidence",
    "safeguarding_lead": "Safeguarding lead — reviews stories that may show risk of harm",
    "admin": "Admin — manages people, settings and the audit log",
}


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired("Enter your email."), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired("Enter your password.")])
    submit = SubmitField("Sign in")


class ChangePasswordForm(FlaskForm):
    current = PasswordField("Current password", validators=[DataRequired("Enter your current password.")])
    new = PasswordField("New password", validators=[DataRequired("Enter a new password."), Length(max=200)])
    confirm = PasswordField("New password again", validators=[EqualTo("new", "The two new passwords are not the same.")])
    submit = SubmitField("Change password")


class CreateUserForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired("Enter an email."), Length(max=254)])
    name = StringField("Name", validators=[Length(max=120)])
    roles = CheckboxList("Roles", choices=[(r, ROLE_LABELS[r]) for r in ROLES])
    submit = SubmitField("Create account")

    def validate_roles(self, field):
        if not field.data:
            from wtforms.validators import ValidationError

            raise ValidationError("Choose at least one role.")


class EditRolesForm(FlaskForm):
    roles = CheckboxList("Roles", choices=[(r, ROLE_LABELS[r]) for r in ROLES])
    submit = SubmitField("Save roles")


class NewTokenForm(FlaskForm):
    name = StringField("What is it for?", validators=[DataRequired("Give the token a name."), Length(max=120)])
    days = IntegerField("Days it works", default=90,
                        validators=[DataRequired("Say how many days."), NumberRange(1, 366, "Between 1 and 366 days.")])
    submit = SubmitField("Make a token")
