"""Time-sortable string ids for local rows.

Like Mastodon's snowflakes: milliseconds since the Unix epoch in the high bits and
a per-process sequence in the low 16 bits, rendered as a decimal string. Ids of the
same length sort by time both numerically and as strings, which `max_id`/`since_id`
paging relies on.
"""

import os
import threading
import time

_lock = threading.Lock()
_last_ms = 0
_seq = 0


_counter = int.from_bytes(os.urandom(2), "big")


def new_id(at: float | None = None) -> str:
    """A new id; with `at`, an id that sorts at that time (e.g. a remote post's date).

    Ids made for the same `at` millisecond differ in a per-process counter, so
    65,536 of them can share one millisecond before two could collide.
    """
    global _last_ms, _seq, _counter
    ms = int((time.time() if at is None else at) * 1000)
    with _lock:
        if at is None:
            if ms <= _last_ms:
                ms = _last_ms
                _seq = (_seq + 1) & 0xFFFF
                if _seq == 0:
                    ms += 1
            else:
                _seq = int.from_bytes(os.urandom(1), "big")
            _last_ms = ms
            seq = _seq
        else:
            _counter = (_counter + 1) & 0xFFFF
            seq = _counter
    return str((ms << 16) | seq)


def id_floor(ts: float) -> str:
    """The smallest id that could have been made at `ts` (for time-based paging)."""
    return str(int(ts * 1000) << 16)


def id_time(value: str) -> float:
    return (int(value) >> 16) / 1000.0
