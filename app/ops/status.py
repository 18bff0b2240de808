"""The deployment's state now, for the dashboard and `flask ops report`: headline, gauges, raised alerts."""

from dataclasses import dataclass, field

from app.ops import alerts
from app.ops.conditions import HEALTHY, check_all, headline
from app.ops.summary import summarize


@dataclass
class OpsStatus:
    """What an operator reads first: the headline, the other crossed lines, and the figures behind them."""

    headline: str
    others: list
    summary: object  # the Summary over ALERT_WINDOW_MINUTES
    conditions: list = field(default_factory=list)
    raised: dict = field(default_factory=dict)  # alerts raised in the logs: key → {since, message}

    @property
    def healthy(self):
        """True when no line is crossed."""
        return self.headline == HEALTHY


def status_now(app, now):
    """The headline and gauges over the alert window ending `now`."""
    summary = summarize(app.config, now, app.config["ALERT_WINDOW_MINUTES"])
    conditions, _ = check_all(summary, app.config, now)
    first, others = headline(conditions)
    return OpsStatus(first, others, summary, conditions, alerts.raised(app))
