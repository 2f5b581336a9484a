"""Reads that may scan, tried first on the event loop's thread within a time budget.

Handing a statement to a reader thread costs the loop more CPU than most statements do
(the hop, the wake-ups, and the two threads taking turns with the GIL): a page read in a
thread cost 0.15-0.2 ms of CPU more than the same read run at once. Yet a read that may
scan must not hold the loop for long. So such a read is run at once under SQLite's
progress handler, which stops it when it has run past its budget; it is then run again in
a reader thread, and its SQL is remembered so that the next ones go to a thread directly.
"""

from __future__ import annotations

import sqlite3
import time
from collections import OrderedDict

BUDGET = 0.001  # seconds a read may hold the event loop
STEPS = 200  # SQLite VM instructions between two looks at the clock
REMEMBERED = 256  # statements (by SQL text) known to run past the budget


class InlineReads:
    def __init__(self, budget: float = BUDGET):
        self.budget = budget
        self.slow: OrderedDict[str, None] = OrderedDict()
        self.overruns = 0  # for tests and benchmarks

    def run(self, conn: sqlite3.Connection, sql: str, params) -> list[sqlite3.Row] | None:
        """The statement's rows, or None when it ran past the budget (now or before)."""
        if sql in self.slow:
            self.slow.move_to_end(sql)
            return None
        clock, deadline = time.perf_counter, time.perf_counter() + self.budget
        conn.set_progress_handler(lambda: clock() > deadline, STEPS)
        try:
            return conn.execute(sql, params).fetchall()
        except sqlite3.OperationalError as exc:
            if "interrupted" not in str(exc) or clock() <= deadline:
                raise
            self.overruns += 1
            self.slow[sql] = None
            if len(self.slow) > REMEMBERED:
                self.slow.popitem(last=False)
            return None
        finally:
            conn.set_progress_handler(None, 0)
