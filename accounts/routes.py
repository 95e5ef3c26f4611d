"""Sign in and out, the home page for each role, and the admin's user pages."""
from urllib.parse import urlsplit

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user

from accounts import bp, services, signin
from accounts.forms import ROLE_LABELS, ChangePasswordForm, CreateUserForm, EditRolesForm, LoginForm
from core.forms import ConfirmForm
from accounts.models import User
from core.access import PUBLIC, SIGNED_IN, allow
from core.pagecache import cached_page
from extensions import db


def _safe_next(target: str | None) -> str:
    if target and not urlsplit(target).netloc and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("accounts.home")


@bp.route("/login", methods=["GET", "POST"])
@allow(PUBLIC)
def login():
    """Sign-in page."""
    if current_user.is_authenticated:
        return redirect(url_for("accounts.home"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = signin.authenticate(form.email.data, form.password.data, request.remote_addr or "")
        except services.AccountError as exc:
            form.password.errors.append(str(exc))
            status = 429 if isinstance(exc, signin.AccountLocked) else 401
        else:
            login_user(user)
            if user.must_change_password:
                flash("Welcome. Please choose your own password now.", "info")
                return redirect(url_for("accounts.change_password"))
            return redirect(_safe_next(request.args.get("next")))
    elif request.method == "POST":
        status = 400
    return render_template("accounts/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@allow(SIGNED_IN)
def logout():
    """Sign out here and on every other device (POST, so a link elsewhere cannot sign you out)."""
    services.sign_out(current_user)
    logout_user()
    flash("You are signed out.", "info")
    response = redirect(url_for("accounts.login"))
    # Present mode's offline copies (clips, pages) must not outlive the session that was allowed them.
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response


@bp.route("/")
@allow(SIGNED_IN)
@cached_page
def home():
    """Each person's home: what they can do next, by role."""
    from accounts.home import home_panels

    return render_template("accounts/home.html", panels=home_panels(current_user))


@bp.route("/account/password", methods=["GET", "POST"])
@allow(SIGNED_IN)
def change_password():
    """Change your own password."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current.data, form.new.data)
        except services.AccountError as exc:
            form.new.errors.append(str(exc))
        else:
            login_user(current_user._get_current_object())  # other sessions ended; this one goes on
            flash("Your password is changed. You were signed out everywhere else.", "success")
            return redirect(url_for("accounts.home"))
    return render_template("accounts/change_password.html", form=form)


# --- admin -------------------------------------------------------------------

@bp.route("/admin/users")
@allow("admin")
def users():
    """All accounts, with their roles and state."""
    return render_template("accounts/users.html", users=services.list_users(), role_labels=ROLE_LABELS,
                           form=ConfirmForm())


@bp.route("/admin/users/new", methods=["GET", "POST"])
@allow("admin")
def create_user():
    """Create an account; the one-time password is shown once."""
    form = CreateUserForm()
    if form.validate_on_submit():
        password = services.generate_password()
        try:
            user = services.create_user(form.email.data, form.roles.data, name=form.name.data or "",
                                        password=password, actor=current_user, must_change_password=True)
        except services.AccountError as exc:
            form.email.errors.append(str(exc))
        else:
            return render_template("accounts/user_created.html", user=user, password=password)
    return render_template("accounts/create_user.html", form=form)


@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@allow("admin")
def edit_user(user_id: int):
    """Change someone's roles."""
    user = db.get_or_404(User, user_id)
    form = EditRolesForm(roles=user.role_names)
    if form.validate_on_submit():
        try:
            services.set_roles(user, form.roles.data, actor=current_user)
        except services.AccountError as exc:
            form.roles.errors.append(str(exc))
        else:
            flash(f"Roles saved for {user.email}.", "success")
            return redirect(url_for("accounts.users"))
    from accounts.tokens import tokens_of
    from core.timeutil import utcnow

    return render_template("accounts/edit_user.html", user=user, form=form, action_form=ConfirmForm(),
                           tokens=tokens_of(user), now=utcnow(),
                           revoke_url=lambda t: url_for("accounts.revoke_user_token", user_id=user.id, token_id=t.id))


@bp.route("/admin/users/<int:user_id>/active", methods=["POST"])
@allow("admin")
def toggle_active(user_id: int):
    """Deactivate or reactivate an account (never delete)."""
    user = db.get_or_404(User, user_id)
    if ConfirmForm().validate_on_submit():
        try:
            services.set_active(user, not user.active, actor=current_user)
            flash(f"{user.email} is now {'active' if user.active else 'turned off'}.", "success")
        except services.AccountError as exc:
            flash(str(exc), "error")
    return redirect(url_for("accounts.edit_user", user_id=user.id))


@bp.route("/admin/users/<int:user_id>/subject-access.zip")
@allow("admin")
def subject_access(user_id: int):
    """Everything held about one person, as a ZIP (audited)."""
    from flask import Response

    from accounts.subject_access import person_zip

    user = db.get_or_404(User, user_id)
    return Response(person_zip(user, current_user), mimetype="application/zip", headers={
        "Content-Disposition": f"attachment; filename=storyloom-person-{user.id}.zip", "Cache-Control": "no-store"})


@bp.route("/admin/users/<int:user_id>/reset-password", methods=["POST"])
@allow("admin")
def reset_password(user_id: int):
    """Give someone a new one-time password."""
    user = db.get_or_404(User, user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    password = services.reset_password(user, actor=current_user)
    return render_template("accounts/user_created.html", user=user, password=password, reset=True)


from accounts import token_routes  # noqa: E402,F401  (the token pages register on the same blueprint)
