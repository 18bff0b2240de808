"""Alerts in the logs: one logfmt line when a line is crossed, one when it clears (`heroku logs | grep alert=`).

Which alerts are raised is kept in the shared cache (and in this process, for when the cache is away), so
that the runner moving to another process does not say them again.
"""

import logging

from app.extensions import cache
from app.models import utcnow
from app.ops import state
from app.ops.conditions import Condition, check_all
from app.ops.summary import summarize

log = logging.getLogger(__name__)
KEY = "ops:alerts"


def logfmt_value(value):
    """A value as logfmt writes it: bare when it can be, else quoted with \\ and " escaped."""
    text = f"{value:g}" if isinstance(value, float) else str(value)
    if text and not any(c in text for c in ' ="\\\n'):
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def alert_line(condition, what, since=None):
    """The one log line of an alert raised or cleared."""
    fields = {"alert": condition.alert, "state": what, **condition.labels}
    if condition.value is not None:
        fields["value"] = condition.value
    if condition.threshold is not None:
        fields["threshold"] = condition.threshold
    if since:
        fields["since"] = since
    fields["message"] = condition.message
    return " ".join(f"{k}={logfmt_value(v)}" for k, v in fields.items())


def raised(app):
    """The alerts raised now: {key: {"since": ISO, "message": ...}}."""
    kept = cache.get(KEY)
    return dict(state.of(app).get("alerts", {}) if kept is None else kept)


def update(app, conditions, checked, now):
    """Log what crossed its line since the last check and what came back; return [(state, condition)]."""
    active = raised(app)
    changes = []
    current = {c.key: c for c in conditions}
    for key, condition in current.items():
        if condition.breached and key not in active:
            active[key] = {"since": now.isoformat(timespec="seconds"), "message": condition.message}
            changes.append(("raised", condition, None))
        elif not condition.breached and key in active:
            changes.append(("cleared", condition, active.pop(key)["since"]))
    for key in [k for k in active if k not in current and k.split(":")[0] in checked]:
        gone = active.pop(key)  # e.g. a dyno that is no more
        changes.append(("cleared", Condition(key.split(":")[0], False, f"gone: {gone['message']}"), gone["since"]))
    for what, condition, since in changes:
        # Both at WARNING: a deployment logging only warnings still sees every alert end.
        log.warning(alert_line(condition, what, since))
    cache.set(KEY, active, timeout=0)
    state.of(app)["alerts"] = active
    return [(what, condition) for what, condition, _ in changes]


def evaluate(app, now=None):
    """Check every line against the last ALERT_WINDOW_MINUTES of history and log what changed."""
    now = now or utcnow()
    summary = summarize(app.config, now, app.config["ALERT_WINDOW_MINUTES"])
    conditions, checked = check_all(summary, app.config, now)
    return update(app, conditions, checked, now)
