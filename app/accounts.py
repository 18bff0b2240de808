"""Account services: create users and check credentials."""

from sqlalchemy import func, select

from app.extensions import db
from app.models import User


class AccountError(ValueError):
    """An account that cannot be created or signed into."""


def find_user(email):
    """Return the user with this email (case-insensitive), or None."""
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def create_user(email, password):
    """Create a user; raise AccountError when the email is taken or the password too short."""
    email = email.strip().lower()
    if len(password) < 8:
        raise AccountError("The password must have at least 8 characters.")
    if find_user(email):
        raise AccountError(f"An account for {email} already exists.")
    user = User(email=email)
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    return user


def authenticate(email, password):
    """Return the user when the password matches, else None."""
    user = find_user(email)
    if user and user.check_password(password):
        return user
    return None
