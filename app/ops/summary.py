"""The state of the deployment over a window ending now: what the dashboard, the report, the alerts and /metrics say."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from app.ops import history
from app.ops.figures import Figures, memory_walk

STALE_SAMPLES = 3  # a process silent for this many sample intervals no longer counts in its dyno's memory


@dataclass
class DynoMemory:
    """One dyno's processes and their memory, against the dyno's limit."""

    host: str
    total_mb: float
    limit_mb: float
    processes: list = field(default_factory=list)  # (pid, roles, MB, kind), largest first

    @property
    def fraction(self):
        """The share of the dyno's limit in use."""
        return self.total_mb / self.limit_mb if self.limit_mb else None


@dataclass
class Summary:
    """Figures over [end - minutes, end], the runner's last sample, and each dyno's memory now."""

    end: datetime
    minutes: float
    figures: Figures
    runner: history.Sample | None
    memory: list
    peaks: dict
    limit_mb: float

    @property
    def runner_data(self):
        """The latest runner sample's figures ({} when no runner has reported)."""
        return self.runner.data if self.runner else {}


def stale_after(settings):
    """How long a process may go without a sample before it is taken for gone."""
    return timedelta(seconds=STALE_SAMPLES * settings["METRICS_SAMPLE_SECONDS"])


def summarize(settings, end, minutes):
    """Add up the samples of the last `minutes` before `end`, with the runner's latest word and memory now."""
    start = end - timedelta(minutes=minutes)
    stale = stale_after(settings)
    samples = history.samples_between(min(start, end - stale), end)
    figures = Figures(minutes)
    for sample in samples:
        if sample.at > start:
            figures.add(sample)
    limit = settings["DYNO_MEMORY_MB"]
    now, peaks = {}, {}
    for at, host, total, processes in memory_walk(samples, stale):
        if at >= start:
            peaks[host] = max(peaks.get(host, 0.0), total)
        if end - at <= stale:
            now[host] = (total, processes)
    memory = [DynoMemory(host, round(total, 1), limit, sorted(
        ((key.rpartition(":")[2], ", ".join(sorted(roles)), mb, kind) for key, (roles, mb, kind) in processes.items()),
        key=lambda p: -p[2])) for host, (total, processes) in sorted(now.items())]
    runner = history.latest(history.RUNNER, before=end)
    return Summary(end, minutes, figures, runner, memory, peaks, limit)
