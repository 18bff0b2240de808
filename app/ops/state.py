"""What the operations code keeps per app in this process: the request meter, the flusher, when it last pruned."""

from datetime import timedelta

from app.ops import history

PRUNE_EVERY = timedelta(minutes=10)  # deleting old samples more often than this buys nothing


def of(app):
    """This app's operations state (a dict in app.extensions)."""
    return app.extensions.setdefault("ops", {})


def prune_when_due(app, now):
    """Delete samples past METRICS_RETENTION_DAYS, at most once every PRUNE_EVERY in this process."""
    ops = of(app)
    last = ops.get("pruned_at")
    if last is not None and now - last < PRUNE_EVERY:
        return 0
    ops["pruned_at"] = now
    return history.prune(app.config["METRICS_RETENTION_DAYS"], now)
