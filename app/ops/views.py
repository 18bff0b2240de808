"""Routes: the admins' status dashboard and its JSON, /readyz for the platform, /metrics for a scraper."""

import hmac

from flask import Blueprint, abort, current_app, jsonify, render_template, request
from flask_login import login_required

from app.models import utcnow
from app.ops import alerts
from app.ops.prometheus import CONTENT_TYPE, exposition
from app.ops.readiness import readiness
from app.ops.series import RANGES, RangeError, history_series
from app.ops.status import status_now
from app.ops.summary import summarize
from app.portfolios.access import require_admin

bp = Blueprint("ops", __name__)
NO_STORE = {"Cache-Control": "no-store"}


@bp.route("/ops")
@login_required
def dashboard():
    """The operators' page: the headline, the gauges now, and charts of the history."""
    require_admin()
    status = status_now(current_app._get_current_object(), utcnow())
    return render_template("ops/dashboard.html", status=status, ranges=list(RANGES)), 200, NO_STORE


@bp.route("/api/ops/history")
@login_required
def history():
    """The charts' points over ?range=1h|24h|7d."""
    require_admin()
    try:
        payload = history_series(current_app.config, request.args.get("range", "1h"), utcnow())
    except RangeError as exc:
        return jsonify(error=str(exc), status=400), 400
    return jsonify(payload), 200, NO_STORE


@bp.route("/readyz")
def readyz():
    """200 when the database (and Redis, when configured) answer; 503 naming the part that does not."""
    checks = readiness(current_app._get_current_object())
    failing = [part for part, state in checks.items() if state != "ok"]
    body = {"status": "unavailable" if failing else "ready", "checks": checks, "failing": failing}
    return jsonify(body), 503 if failing else 200, NO_STORE


@bp.route("/metrics")
def metrics():
    """The figures as Prometheus text, for `Authorization: Bearer $METRICS_TOKEN` only (404 otherwise, or unset)."""
    token = current_app.config.get("METRICS_TOKEN")
    given = request.headers.get("Authorization", "")
    if not token or not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        abort(404)
    app, now = current_app._get_current_object(), utcnow()
    summary = summarize(app.config, now, app.config["ALERT_WINDOW_MINUTES"])
    body = exposition(summary, alerts.raised(app), now)
    return body, 200, {"Content-Type": CONTENT_TYPE, **NO_STORE}
