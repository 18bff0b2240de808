"""Error pages: a person sees what happened in words, never a stack trace; the logs see one traceback per burst."""

import logging
import threading
import time
from html import escape

from flask import current_app, jsonify, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

MESSAGES = {
    400: "The request could not be understood.",
    403: "You do not have access to this.",
    404: "There is nothing here, or it is not yours.",
    405: "That action is not allowed here.",
    413: "The file is too large.",
    429: "Too many requests: wait a moment and try again.",
    500: "Something went wrong on our side. It has been logged.",
    503: "The database is not answering; try again in a minute.",
}
# What a database that refuses, drops or stalls the connection raises.
DATABASE_DOWN = (OperationalError, InterfaceError, DisconnectionError, PoolTimeout)
# A burst of the same error logs its traceback once, then a count at 10, 100, 1000... within this window (seconds).
BURST_WINDOW = 60
BURST_KEYS = 200


class ErrorBursts:
    """Tell which errors to log with a traceback: the first of a burst of identical ones, then only counts."""

    def __init__(self, window=BURST_WINDOW, clock=time.monotonic):
        self.window, self.clock = window, clock
        self.lock = threading.Lock()
        self.bursts = {}

    def record(self, key):
        """Count one error; return (first of its burst, how many the previous burst had, count in this burst)."""
        now = self.clock()
        with self.lock:
            started, count = self.bursts.get(key, (None, 0))
            if started is None or now - started >= self.window:
                if len(self.bursts) >= BURST_KEYS:
                    self.bursts.clear()  # a flood of distinct errors: forget old bursts rather than grow
                self.bursts[key] = (now, 1)
                return True, count, 1
            self.bursts[key] = (started, count + 1)
            return False, 0, count + 1


bursts = ErrorBursts()


def log_error(error, what):
    """Log an unexpected error: its traceback on the first of a burst, then one line at 10, 100, 1000 repeats."""
    key = (type(error).__name__, str(error)[:300], request.method, request.url_rule and request.url_rule.rule)
    first, previous, count = bursts.record(key)
    if first:
        if previous > 1:
            log.error("the error below repeated %d times in the last burst", previous)
        log.error("%s on %s %s", what, request.method, request.path, exc_info=error)
    elif str(count).strip("0") == "1":
        log.error("same %s (%s) %d times within %d s on %s %s",
                  what, type(error).__name__, count, BURST_WINDOW, request.method, request.path)


def wants_json():
    """Tell whether the client asked for JSON (API routes and XHR)."""
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def render_without_context(name, **context):
    """Render a template without the context processors: Flask-Login's loads the user from the database."""
    return current_app.jinja_env.get_template(name).render(**context)


def render_error(status, message):
    """Answer with an error page or JSON, whichever the client wants (the page needs no database)."""
    if wants_json():
        return jsonify(error=message, status=status), status
    return render_without_context("error.html", status=status, message=message), status


def safe_error(status, message):
    """Render the error answer; should even that fail, answer with plain HTML."""
    try:
        return render_error(status, message)
    except Exception:  # noqa: BLE001 - the error page itself must never fail
        log.exception("the error page failed")
        body = f"<!doctype html><title>{status}</title><h1>{status}</h1><p>{escape(message)}</p>"
        return body, status, {"Content-Type": "text/html; charset=utf-8"}


def register(app):
    """Register the error handlers on the app."""

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return safe_error(400, "Your form expired or was sent from elsewhere. Reload the page and try again.")

    @app.errorhandler(413)
    def too_large(error):
        limit_mb = app.config["MAX_CONTENT_LENGTH"] / (1024 * 1024)
        return safe_error(413, f"The file is too large: the limit is {limit_mb:g} MB.")

    @app.errorhandler(HTTPException)
    def http_error(error):
        return safe_error(error.code or 500, MESSAGES.get(error.code, error.description))

    def database_down(error):
        log_error(error, "database unavailable")
        response = app.make_response(safe_error(503, MESSAGES[503]))
        response.headers["Retry-After"] = "60"
        return response

    for kind in DATABASE_DOWN:
        app.register_error_handler(kind, database_down)

    @app.errorhandler(Exception)
    def unexpected(error):
        log_error(error, "unhandled error")
        return safe_error(500, MESSAGES[500])
