"""Pages for API tokens: your own, and (for admins) anyone's."""
from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from accounts import bp
from accounts.forms import NewTokenForm
from core.forms import ConfirmForm
from accounts.models import ApiToken, User
from accounts.services import AccountError
from accounts.tokens import issue_token, revoke_token, tokens_of
from core.access import SIGNED_IN, allow
from core.timeutil import utcnow
from extensions import db


@bp.route("/account/tokens", methods=["GET", "POST"])
@allow(SIGNED_IN)
def tokens():
    """Your API tokens: make one (shown once), see when each was last used, revoke."""
    form = NewTokenForm()
    new_token = None
    if form.validate_on_submit():
        try:
            new_token = issue_token(current_user, name=form.name.data, days=form.days.data)
        except AccountError as exc:
            form.days.errors.append(str(exc))
    return render_template("accounts/tokens.html", form=form, new_token=new_token, tokens=tokens_of(current_user),
                           action_form=ConfirmForm(), now=utcnow(),
                           revoke_url=lambda t: url_for("accounts.revoke_own_token", token_id=t.id))


def _revoke_if_confirmed(owner, token_id: int, said) -> None:
    """Revoke `owner`'s token `token_id` once the form is confirmed (404 for anyone else's token)."""
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != owner.id:
        abort(404)
    if ConfirmForm().validate_on_submit():
        revoke_token(token, actor=current_user)
        flash(said(token.name), "success")


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
@allow(SIGNED_IN)
def revoke_own_token(token_id: int):
    """Revoke one of your own tokens."""
    _revoke_if_confirmed(current_user, token_id, lambda name: f"The token “{name}” no longer works.")
    return redirect(url_for("accounts.tokens"))


@bp.route("/admin/users/<int:user_id>/tokens/<int:token_id>/revoke", methods=["POST"])
@allow("admin")
def revoke_user_token(user_id: int, token_id: int):
    """An admin revokes someone's token."""
    user = db.get_or_404(User, user_id)
    _revoke_if_confirmed(user, token_id, lambda name: f"{user.email}'s token “{name}” no longer works.")
    return redirect(url_for("accounts.edit_user", user_id=user.id))
