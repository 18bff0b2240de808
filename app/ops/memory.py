"""A process's memory as the dyno counts it: proportional set size (PSS) from /proc, resident size where PSS is not."""

import os
import socket


def _read_kb(path, field):
    try:
        with open(path) as lines:
            for line in lines:
                if line.startswith(field):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return None


def process_memory_mb(pid="self"):
    """(megabytes, "pss" | "rss") of a process, or (None, None) where /proc does not say (macOS, Windows)."""
    # PSS shares the pages gunicorn's workers have in common with the master among them: their sum is the dyno's.
    kb = _read_kb(f"/proc/{pid}/smaps_rollup", "Pss:")
    if kb is not None:
        return round(kb / 1024, 1), "pss"
    kb = _read_kb(f"/proc/{pid}/status", "VmRSS:")
    if kb is not None:
        return round(kb / 1024, 1), "rss"
    return None, None


def process_id():
    """This process as the history names it: host:pid (a Heroku dyno's host name is unique to it)."""
    return f"{socket.gethostname()}:{os.getpid()}"


def gunicorn_master():
    """The gunicorn master's pid when this process is one of its workers, else None."""
    if not os.environ.get("SERVER_SOFTWARE", "").startswith("gunicorn"):
        return None
    parent = os.getppid()
    return parent if parent > 1 else None


def memory_figures():
    """This process's memory and, in a gunicorn worker, its master's: what one sample records."""
    mb, kind = process_memory_mb()
    figures = {"mb": mb, "kind": kind}
    master = gunicorn_master()
    if master is not None:
        master_mb, _ = process_memory_mb(master)
        if master_mb is not None:
            figures["master"] = {"pid": master, "mb": master_mb}
    return figures
