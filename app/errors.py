"""Error pages: a person sees what happened in words, never a stack trace."""

import logging

from flask import jsonify, render_template, request
from flask_wtf.csrf import CSRFError
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
}


def wants_json():
    """Tell whether the client asked for JSON (API routes and XHR)."""
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def render_error(status, message):
    """Answer with an error page or JSON, whichever the client wants."""
    if wants_json():
        return jsonify(error=message, status=status), status
    return render_template("error.html", status=status, message=message), status


def register(app):
    """Register the error handlers on the app."""

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_error(400, "Your form expired or was sent from elsewhere. Reload the page and try again.")

    @app.errorhandler(413)
    def too_large(error):
        limit_mb = app.config["MAX_CONTENT_LENGTH"] / (1024 * 1024)
        return render_error(413, f"The file is too large: the limit is {limit_mb:g} MB.")

    @app.errorhandler(HTTPException)
    def http_error(error):
        return render_error(error.code or 500, MESSAGES.get(error.code, error.description))

    @app.errorhandler(Exception)
    def unexpected(error):
        log.exception("unhandled error on %s %s", request.method, request.path)
        return render_error(500, MESSAGES[500])
