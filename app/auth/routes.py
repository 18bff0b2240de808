"""Sign in, sign out, sign up; the account page (email, password, other sessions)."""

from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from flask_login.config import COOKIE_NAME

from app.auth import accounts
from app.auth.forms import EmailChangeForm, EndSessionsForm, LoginForm, PasswordChangeForm, SignupForm
from app.auth.throttle import password_check_limits, signin_limits, signup_limits, throttled

bp = Blueprint("auth", __name__)


def safe_next(target):
    """Keep redirects after sign-in on this site."""
    if target and not urlsplit(target).netloc and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("portfolios.index")


@bp.route("/login", methods=["GET", "POST"])
@throttled(signin_limits)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("portfolios.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = accounts.authenticate(form.email.data, form.password.data)
        if user:
            login_user(user, remember=form.remember.data)
            return redirect(safe_next(request.args.get("next")))
        form.password.errors.append("Wrong email or password.")
    return render_template("auth/login.html", form=form), 400 if form.errors else 200


@bp.route("/signup", methods=["GET", "POST"])
@throttled(signup_limits)
def signup():
    if not current_app.config["ALLOW_SIGNUP"]:
        abort(404)
    form = SignupForm()
    if form.validate_on_submit():
        try:
            accounts.sign_up(form.email.data, form.password.data)
        except accounts.AccountError as exc:
            form.password.errors.append(str(exc))
        else:
            # The same answer whether or not the email was taken: sign-up tells nobody who has an account.
            flash(f"Sign in with {form.email.data.strip().lower()} and the password you chose.", "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/signup.html", form=form), 400 if form.errors else 200


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    accounts.end_sessions(current_user)
    logout_user()
    flash("Signed out.", "info")
    return redirect(url_for("auth.login"))


def stay_signed_in():
    """Sign this browser in again with the user's new session token (its remember cookie too, if it had one)."""
    had_cookie = current_app.config.get("REMEMBER_COOKIE_NAME", COOKIE_NAME) in request.cookies
    login_user(current_user._get_current_object(), remember=had_cookie)


def account_page(status=200, **forms):
    """Render the account page with its three forms (the ones given keep their errors)."""
    forms.setdefault("email_form", EmailChangeForm(prefix="email"))
    forms.setdefault("password_form", PasswordChangeForm(prefix="password"))
    forms.setdefault("sessions_form", EndSessionsForm(prefix="sessions"))
    return render_template("auth/account.html", **forms), status


@bp.route("/account")
@login_required
def account():
    return account_page()


@bp.route("/account/email", methods=["POST"])
@login_required
@throttled(password_check_limits)
def change_email():
    form = EmailChangeForm(prefix="email")
    if form.validate_on_submit():
        try:
            accounts.change_email(current_user, form.current_password.data, form.email.data)
        except accounts.AccountError as exc:
            form.current_password.errors.append(str(exc))
        else:
            flash(f"You now sign in as {current_user.email}.", "success")
            return redirect(url_for("auth.account"))
    return account_page(400, email_form=form)


@bp.route("/account/password", methods=["POST"])
@login_required
@throttled(password_check_limits)
def change_password():
    form = PasswordChangeForm(prefix="password")
    if form.validate_on_submit():
        try:
            accounts.change_password(current_user, form.current_password.data, form.password.data)
        except accounts.AccountError as exc:
            form.current_password.errors.append(str(exc))
        else:
            stay_signed_in()
            flash("Password changed. Every other session has been signed out.", "success")
            return redirect(url_for("auth.account"))
    return account_page(400, password_form=form)


@bp.route("/account/sessions", methods=["POST"])
@login_required
def end_other_sessions():
    form = EndSessionsForm(prefix="sessions")
    if not form.validate_on_submit():
        return account_page(400, sessions_form=form)
    accounts.end_sessions(current_user)
    stay_signed_in()
    flash("Every other session has been signed out.", "success")
    return redirect(url_for("auth.account"))
