"""Retry schedule for jobs, shaped like Mastodon's delivery retries."""

from __future__ import annotations

import random


class Retry(Exception):
    """Try the job again later. `after` overrides the backoff (e.g. Retry-After)."""

    def __init__(self, reason: str, after: float | None = None):
        super().__init__(reason)
        self.after = after


class Permanent(Exception):
    """Give up on the job now: retrying cannot help."""


def delay(attempt: int) -> float:
    """Seconds before attempt `attempt + 1`, given `attempt` attempts so far.

    (attempt**4) + 15 + jitter, as Sidekiq does: 17 attempts span a little over two
    days (about 2.8 days before jitter).
    """
    attempt = max(1, attempt)
    return attempt**4 + 15 + random.uniform(0, 10 * attempt)


def total_span(max_attempts: int) -> float:
    return sum(n**4 + 15 for n in range(1, max_attempts))
