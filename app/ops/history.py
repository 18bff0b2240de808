"""The bounded history: one row per process per minute in `metric_samples`, pruned past METRICS_RETENTION_DAYS.

Every web worker and the price runner of every dyno write to the same table, so the history is the deployment's.
"""

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select

from app.extensions import db
from app.models import MetricSample, utcnow

WEB, RUNNER = "web", "runner"


@dataclass
class Sample:
    """A stored sample, its figures decoded."""

    at: datetime
    kind: str
    process: str
    data: dict

    @property
    def host(self):
        """The dyno (host) the process ran on."""
        return self.process.rpartition(":")[0]


def write_sample(kind, process, data, at=None):
    """Store one sample and commit it."""
    db.session.add(MetricSample(at=at or utcnow(), kind=kind, process=process,
                                data=json.dumps(data, separators=(",", ":"))))
    db.session.commit()


def prune(retention_days, now=None):
    """Delete the samples older than the retention; return how many went."""
    cutoff = (now or utcnow()) - timedelta(days=retention_days)
    result = db.session.execute(delete(MetricSample).where(MetricSample.at < cutoff))
    db.session.commit()
    return result.rowcount or 0


def samples_between(start, end=None, kind=None):
    """The samples with start <= at <= end (oldest first), of one kind or both."""
    query = select(MetricSample.at, MetricSample.kind, MetricSample.process, MetricSample.data).where(
        MetricSample.at >= start)
    if end is not None:
        query = query.where(MetricSample.at <= end)
    if kind is not None:
        query = query.where(MetricSample.kind == kind)
    rows = db.session.execute(query.order_by(MetricSample.at, MetricSample.id)).all()
    return [Sample(at, k, process, json.loads(data)) for at, k, process, data in rows]


def latest(kind, before=None):
    """The newest sample of a kind (at or before `before`), or None."""
    query = select(MetricSample).where(MetricSample.kind == kind)
    if before is not None:
        query = query.where(MetricSample.at <= before)
    row = db.session.scalars(query.order_by(MetricSample.at.desc(), MetricSample.id.desc()).limit(1)).first()
    return Sample(row.at, row.kind, row.process, json.loads(row.data)) if row else None
