"""Throttling of sign-in, sign-up and password checks (Flask-Limiter): per account and per client address."""

import logging
import math
import time

from flask import current_app, request
from flask_limiter import RateLimitExceeded
from flask_limiter.util import get_remote_address
from flask_login import current_user

from app.errors import render_error
from app.extensions import limiter

log = logging.getLogger(__name__)


def account_key():
    """The account a sign-in attempt names: the email as typed, lower-cased."""
    return "account:" + (request.form.get("email") or "").strip().lower()[:254]


def address_key():
    """The client's address (ProxyFix has taken it from Heroku's X-Forwarded-For)."""
    return "address:" + get_remote_address()


def user_key():
    """The signed-in user, for limits on checks of the current password."""
    return f"user:{current_user.id}" if current_user.is_authenticated else address_key()


def configured(name):
    """A limit read from the settings when the request is made, so that tests and operators can change it."""
    return lambda: current_app.config[name]


# The limits on one view are checked in this order; every attempt counts, right or wrong.
signin_limits = [
    limiter.limit(configured("SIGNIN_LIMIT_PER_ACCOUNT"), key_func=account_key, methods=["POST"]),
    limiter.limit(configured("SIGNIN_LIMIT_PER_ADDRESS"), key_func=address_key, methods=["POST"]),
]
signup_limits = [limiter.limit(configured("SIGNUP_LIMIT_PER_ADDRESS"), key_func=address_key, methods=["POST"])]
password_check_limits = [
    limiter.limit(configured("SIGNIN_LIMIT_PER_ACCOUNT"), key_func=user_key, methods=["POST"]),
]


def throttled(limits):
    """Apply a list of limits to a view."""

    def decorate(view):
        for limit in reversed(limits):
            view = limit(view)
        return view

    return decorate


def wait_words(seconds):
    """Say how long to wait, in words: '45 seconds', '1 minute', '12 minutes'."""
    seconds = max(1, math.ceil(seconds))
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def seconds_to_wait():
    """Seconds until the breached limit of this request lets another attempt through."""
    current = limiter.current_limit
    try:
        return max(1, current.window[0] - time.time()) if current else 60
    except Exception:  # noqa: BLE001 - storage gone while answering: a minute is a fair guess
        return 60


def init_app(app):
    """Bind the limiter and answer a throttled attempt with 429 and the wait in words."""
    limiter.init_app(app)

    @app.errorhandler(RateLimitExceeded)
    def too_many(error):
        wait = seconds_to_wait()
        log.info("throttled %s %s from %s", request.method, request.path, get_remote_address())
        response, status = render_error(429, f"Too many attempts: try again in {wait_words(wait)}.")
        response = current_app.make_response((response, status))
        response.headers["Retry-After"] = str(math.ceil(wait))
        return response
