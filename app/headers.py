"""Security headers on every response, and HTTPS only in production (Heroku's router says which in X-Forwarded-Proto).

A few lines of our own rather than Flask-Talisman: its last release is from 2023, and we need five headers.
"""

from flask import redirect, request

# Only the app's own scripts, styles and fetches; no inline script or style attribute; never inside a frame.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
# Browsers remember for a year to use HTTPS only.
HSTS = "max-age=31536000; includeSubDomains"
# Uptime and readiness checks may call over plain HTTP.
PLAIN_HTTP_PATHS = {"/healthz", "/readyz"}


def init_app(app):
    """Add the headers to every response; in production redirect plain HTTP to HTTPS."""

    @app.before_request
    def require_https():
        if app.config["FORCE_HTTPS"] and not request.is_secure and request.path not in PLAIN_HTTP_PATHS:
            # 308 keeps the method and body of a form post; 301 is what a browser's GET expects.
            code = 301 if request.method in ("GET", "HEAD") else 308
            return redirect(request.url.replace("http://", "https://", 1), code=code)
        return None

    @app.after_request
    def add_headers(response):
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        if app.config["FORCE_HTTPS"] and request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        return response
