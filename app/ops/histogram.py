"""Latencies as counts in geometric buckets: cheap to add to, small to store, and exact to merge across processes.

A p95 of p95s means nothing; the p95 of merged buckets is the p95 of every request within 5 %.
"""

import math

GROWTH = 1.1  # each bucket is 10 % wider than the one before: a quantile lands within ±5 % of the truth
FLOOR_MS = 1.0  # everything under a millisecond shares bucket 0
_LOG_GROWTH = math.log(GROWTH)


def bucket_of(ms):
    """The bucket a latency in milliseconds falls in."""
    if ms <= FLOOR_MS:
        return 0
    return int(math.log(ms / FLOOR_MS) / _LOG_GROWTH) + 1


def bucket_value(bucket):
    """A bucket's representative latency (its geometric middle), in milliseconds."""
    if bucket <= 0:
        return FLOOR_MS / 2
    return FLOOR_MS * GROWTH ** (bucket - 0.5)


class Histogram:
    """Counts per latency bucket; `add` costs a logarithm and a dict update."""

    __slots__ = ("counts",)

    def __init__(self, stored=None):
        self.counts = {}
        self.merge(stored)

    def add(self, ms):
        """Count one latency (milliseconds)."""
        bucket = bucket_of(ms)
        self.counts[bucket] = self.counts.get(bucket, 0) + 1

    def merge(self, other):
        """Add another histogram's counts (a Histogram or its stored form) to this one."""
        if isinstance(other, Histogram):
            pairs = other.counts.items()
        else:  # [first bucket, its count, the next bucket's count, ...]
            pairs = enumerate(other[1:], start=other[0]) if other else ()
        for bucket, count in pairs:
            if count:
                self.counts[bucket] = self.counts.get(bucket, 0) + count
        return self

    @property
    def total(self):
        """How many latencies were counted."""
        return sum(self.counts.values())

    def quantile(self, fraction):
        """The latency (ms) under which `fraction` of the counted ones lie, or None when empty."""
        total = self.total
        if not total:
            return None
        rank = max(1, math.ceil(fraction * total))
        seen = 0
        for bucket in sorted(self.counts):
            seen += self.counts[bucket]
            if seen >= rank:
                return bucket_value(bucket)
        return bucket_value(max(self.counts))

    def stored(self):
        """The stored form, compact in JSON: [first bucket, its count, the next bucket's count, ...], [] when empty."""
        if not self.counts:
            return []
        first, last = min(self.counts), max(self.counts)
        return [first, *(self.counts.get(b, 0) for b in range(first, last + 1))]
