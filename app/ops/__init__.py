"""Operations: request and runner figures sampled each minute into a bounded history, alerts in the logs,
readiness, Prometheus text, the admins' status dashboard (`views.py`) and `flask ops report` (`cli.py`).

`install.init_app` wires it into the app; this package imports none of its modules itself.
"""
