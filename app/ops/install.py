"""Wire operations into the app: the request meter's hooks, its flusher thread after the fork, `flask ops`."""

import threading
from datetime import timedelta

from app.extensions import cache
from app.models import utcnow
from app.ops import alerts, history, state
from app.ops.cli import ops_cli
from app.ops.web_meter import Flusher, RequestMeter, install, write_web_sample

_start_lock = threading.Lock()


def init_app(app):
    """Meter every request (call this before any other hook is registered) and add `flask ops`."""
    ops = state.of(app)
    ops["meter"] = RequestMeter()
    ops["flusher"] = None

    def start_flusher():
        # After gunicorn forks, on the first request: a thread started before the fork would not exist in workers.
        if ops["flusher"] is None and not app.config.get("TESTING"):
            with _start_lock:
                if ops["flusher"] is None:
                    ops["flusher"] = Flusher(app, flush_web)
                    ops["flusher"].start()

    install(app, ops["meter"], start_flusher)
    app.cli.add_command(ops_cli)


def flush_web(app, now=None):
    """A web worker's minute: its sample, pruning when due, and the alerts when no runner is there to check them."""
    now = now or utcnow()
    write_web_sample(app, state.of(app)["meter"], now)
    state.prune_when_due(app, now)
    runner = history.latest(history.RUNNER)
    silent = runner is None or now - runner.at > timedelta(minutes=app.config["ALERT_RUNNER_SILENT_MINUTES"])
    # One web worker a minute speaks for the deployment (add is atomic in Redis).
    if silent and cache.add(f"ops:alerts-by-web:{now:%Y%m%d%H%M}", 1, timeout=120):
        alerts.evaluate(app, now)


def flush_on_exit(app):
    """Write what this worker counted since its last sample (gunicorn's worker_exit: restarts lose no minute)."""
    flusher = state.of(app).get("flusher")
    if flusher is not None:
        flusher.stopping.set()
        flusher.flush_now()
