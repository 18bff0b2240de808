"""gunicorn settings for Heroku: bind $PORT, threads, timeouts under the router's limits."""

import os

bind = f"0.0.0.0:{os.environ.get('PORT', '5000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", 2))
worker_class = "gthread"
# Two threads overlap a request waiting on the database with one computing (the GIL runs one at a time); four
# took 60 MB more per worker under 100 users for the same throughput (bench/load.py).
threads = int(os.environ.get("GUNICORN_THREADS", 2))
# Heroku's router gives up after 30 s (H12): end a stuck request before that.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 25))
# Heroku sends SIGKILL 30 s after SIGTERM: finish in-flight requests well before.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", 20))
keepalive = 5
# Restart workers now and then so that a slow leak never reaches the 512 MB limit (R14).
max_requests = 20000
max_requests_jitter = 2000
preload_app = os.environ.get("GUNICORN_PRELOAD", "false").lower() == "true"
accesslog = "-"
errorlog = "-"
forwarded_allow_ips = "*"
# The control socket lives in $HOME by default; a dyno has no use for it.
control_socket_disable = True


def on_starting(server):
    """Check the settings in the master, so that a missing SECRET_KEY stops gunicorn with one line."""
    import config

    config.from_env()


def post_worker_init(worker):
    """Start the warm-up scheduler in each worker right after boot (after the fork, so preload_app is safe)."""
    if getattr(worker.wsgi, "config", None) is not None:
        from app.jobs import start_scheduler
        from app.prices import market

        market.calendar(market.DEFAULT_CALENDAR)  # load New York's calendar now, not on the first dashboard
        start_scheduler(worker.wsgi)


def worker_exit(server, worker):
    """Write the worker's last partial minute of request figures as it goes (daily restarts, max_requests)."""
    if getattr(worker.wsgi, "config", None) is not None:
        from app.ops.install import flush_on_exit

        flush_on_exit(worker.wsgi)
