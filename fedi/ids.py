"""Time-sortable string ids for local rows.

Like Mastodon's snowflakes: milliseconds since the Unix epoch in the high bits and
16 low bits that tell apart ids of the same millisecond, rendered as a decimal string.
Ids of the same length sort by time both numerically and as strings, which
`max_id`/`since_id` paging relies on.

Ids come from one `IdGenerator` per process (`install` replaces it). The default one
spends all 16 low bits on its own sequence, which suits one process. Several processes
writing to one database each take a generator with their own `node` number: the low bits
then hold the node (6 bits) and a sequence (10 bits, 1,024 ids per millisecond), so two
processes can never make the same id.

Ids for a given time (`at`, a remote post's date) take the next free number of that
millisecond; once a millisecond has given out all of them (a backlog of posts dated to the
second), the next ones come from the following milliseconds, so that one process never
hands out the same id twice and never has an insert refused for it.
"""

from __future__ import annotations

import os
import threading
import time

NODE_BITS = 6
MAX_NODES = 1 << NODE_BITS
AT_REMEMBERED = 4096  # milliseconds whose `at` ids are tracked (the oldest are forgotten)


class IdGenerator:
    def __init__(self, node: int | None = None):
        if node is not None and not 0 <= node < MAX_NODES:
            raise ValueError(f"node must be between 0 and {MAX_NODES - 1}")
        self.node = node
        self.seq_bits = 16 if node is None else 16 - NODE_BITS
        self._mask = (1 << self.seq_bits) - 1
        self._lock = threading.Lock()
        self.last_ms = 0
        self.seq = 0
        self._at: dict[int, list[int]] = {}  # millisecond -> [next number, numbers left]

    def _low(self, seq: int) -> int:
        return seq if self.node is None else (self.node << self.seq_bits) | seq

    def new(self, at: float | None = None) -> str:
        """A new id; with `at`, an id that sorts at that time (e.g. a remote post's date).

        Ids made for the same `at` millisecond take its numbers in turn (from a random
        start): 65,536 of them (1,024 with a node number), then the next millisecond's.
        """
        ms = int((time.time() if at is None else at) * 1000)
        with self._lock:
            if at is None:
                if ms <= self.last_ms:
                    ms = self.last_ms
                    self.seq = (self.seq + 1) & self._mask
                    if self.seq == 0:
                        ms += 1
                else:
                    self.seq = int.from_bytes(os.urandom(1), "big") & self._mask
                self.last_ms = ms
                seq = self.seq
            else:
                ms, seq = self._take_at(ms)
        return str((ms << 16) | self._low(seq))

    def _take_at(self, ms: int) -> tuple[int, int]:
        while True:
            slot = self._at.get(ms)
            if slot is None:
                if len(self._at) >= AT_REMEMBERED:
                    del self._at[next(iter(self._at))]
                slot = self._at[ms] = [int.from_bytes(os.urandom(2), "big") & self._mask, self._mask + 1]
            if slot[1]:
                seq = slot[0]
                slot[0], slot[1] = (seq + 1) & self._mask, slot[1] - 1
                return ms, seq
            ms += 1


_generator = IdGenerator()


def install(generator: IdGenerator) -> None:
    """Make ids with this generator from now on (e.g. one with this process's node number)."""
    global _generator
    _generator = generator


def generator() -> IdGenerator:
    return _generator


def new_id(at: float | None = None) -> str:
    """A new id from this process's generator (see `IdGenerator.new`)."""
    return _generator.new(at)


def id_floor(ts: float) -> str:
    """The smallest id that could have been made at `ts` (for time-based paging)."""
    return str(int(ts * 1000) << 16)


def id_time(value: str) -> float:
    return (int(value) >> 16) / 1000.0
