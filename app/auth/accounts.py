"""Account services: create users, check credentials, change them, end sessions."""

import secrets
from functools import cache

from flask import current_app, has_app_context
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from app.extensions import db
from app.models import User

MIN_PASSWORD = 8
MAX_PASSWORD = 128


class AccountError(ValueError):
    """An account that cannot be created, signed into or changed, with a message for the person."""


def find_user(email):
    """Return the user with this email (case-insensitive), or None."""
    return db.session.scalar(select(User).where(func.lower(User.email) == (email or "").strip().lower()))


def check_new_password(password):
    """Raise AccountError when a new password is too short or too long."""
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise AccountError(f"The password must have {MIN_PASSWORD} to {MAX_PASSWORD} characters.")


@cache
def dummy_hash(method):
    """A hash of a random password, made with `method`: what an unknown email is checked against."""
    return generate_password_hash(secrets.token_urlsafe(16), method=method)


def hash_method():
    """The configured password hash method (scrypt in production)."""
    return current_app.config.get("PASSWORD_HASH_METHOD", "scrypt") if has_app_context() else "scrypt"


def create_user(email, password, admin=False):
    """Create a user; raise AccountError when the email is taken or the password too short (operators' CLI)."""
    email = email.strip().lower()
    check_new_password(password)
    if find_user(email):
        raise AccountError(f"An account for {email} already exists.")
    user = User(email=email, is_admin=admin)
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    return user


def sign_up(email, password):
    """Create an account unless the email is taken; either way take the same time and say nothing of it.

    Return the new user, or None when the email already had an account (which is left as it was).
    """
    check_new_password(password)
    if find_user(email):
        generate_password_hash(password, method=hash_method())  # the time a new account's hash takes
        return None
    return create_user(email, password)


def authenticate(email, password):
    """Return the user when the password matches, else None; an unknown email costs the same hash check."""
    user = find_user(email)
    if user is None:
        check_password_hash(dummy_hash(hash_method()), password)
        return None
    return user if user.check_password(password) else None


def require_password(user, password):
    """Raise AccountError unless `password` is the user's current password."""
    if not user.check_password(password or ""):
        raise AccountError("The current password is wrong.")


def change_password(user, current_password, new_password):
    """Set a new password (the current one required); every other session ends."""
    require_password(user, current_password)
    set_password(user, new_password)


def set_password(user, new_password):
    """Set a new password without the old one (operators' CLI); every session of the user ends."""
    check_new_password(new_password)
    user.set_password(new_password)
    user.rotate_session_token()
    db.session.commit()


def change_email(user, current_password, new_email):
    """Change the sign-in email (the current password required)."""
    require_password(user, current_password)
    new_email = new_email.strip().lower()
    other = find_user(new_email)
    if other is not None and other.id != user.id:
        raise AccountError("That email cannot be used for this account.")
    user.email = new_email
    db.session.commit()


def end_sessions(user):
    """End every session and remember cookie of the user (the caller signs the current one in again)."""
    user.rotate_session_token()
    db.session.commit()


def promote(email):
    """Make the user with this email an admin; raise AccountError when there is none."""
    user = find_user(email)
    if user is None:
        raise AccountError(f"No user with email {email}.")
    user.is_admin = True
    db.session.commit()
    return user
