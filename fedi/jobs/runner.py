"""Runs durable jobs from the store.

Each queue has one handler. A claimed job holds a lease; if the process dies,
the lease expires and another claim picks the job up, so nothing is stranded.
Handlers return normally on success, raise Retry to try later with backoff, or
Permanent to give up. Any other exception counts as a Retry.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Awaitable, Callable

from fedi.jobs.backoff import Permanent, Retry, delay
from fedi.models import Job

log = logging.getLogger(__name__)

Handler = Callable[[Job], Awaitable[None]]
MAX_RETRY_AFTER = 24 * 3600  # a peer's Retry-After cannot park a job longer than this
DONE_BATCH = 500  # jobs recorded done in one statement at most


@dataclass
class QueueSpec:
    name: str
    handler: Handler
    concurrency: int = 16
    batch: int = 64
    lease: float = 120.0
    max_attempts: int = 17


class Runner:
    def __init__(self, store, specs: list[QueueSpec], poll_interval: float = 1.0):
        self.store = store
        self.specs = {s.name: s for s in specs}
        self.poll_interval = poll_interval
        self._wake = {s.name: asyncio.Event() for s in specs}
        self._tasks: list[asyncio.Task] = []
        self._inflight: dict[str, set[asyncio.Task]] = {s.name: set() for s in specs}
        self._running: dict[asyncio.Task, Job] = {}  # task -> the claimed job
        self._stopping = False
        self.chores: list[Callable[[], Awaitable[object]]] = []  # also run by housekeeping
        self._done: list[tuple[str, int]] = []  # (job id, attempt) done, not yet recorded
        self._writing_done: asyncio.Future | None = None

    async def housekeeping(self, keep_for: float = 7 * 86400, every: float = 3600,
                           done_for: float = 300) -> None:
        """Every `done_for` seconds, drop jobs done more than that ago which no replay check
        needs (deliveries, so the table stays small under load); every `every` seconds, drop
        finished jobs older than `keep_for` (inbox replays are recognised that long) and run the
        chores. In one process of those sharing the database (whichever asks first once the
        time has come; each asks every tenth of the shorter period)."""
        while not self._stopping:
            now = time.time()
            if await self._turn("jobs_purged_at", now, done_for):
                await self._purge(now - keep_for, now - done_for)
            if await self._turn("housekeeping_at", now, every):
                await self._chores()
            await asyncio.sleep(min(every, done_for) / 10)

    async def _turn(self, key: str, now: float, every: float) -> bool:
        try:
            return await self.store.settings.take_turn(key, now, every)
        except Exception:  # noqa: BLE001
            log.exception("housekeeping could not be scheduled")
            return False

    async def _purge(self, finished_before: float, done_before: float) -> None:
        try:
            await self.store.jobs.purge_finished(finished_before, done_unkeyed_before=done_before)
        except Exception:  # noqa: BLE001
            log.exception("purging finished jobs failed")

    async def _chores(self) -> None:
        for chore in self.chores:
            try:
                await chore()
            except Exception:  # noqa: BLE001
                log.exception("housekeeping chore failed")

    def wake(self, queue: str | None = None) -> None:
        for name, event in self._wake.items():
            if queue is None or name == queue:
                event.set()

    async def start(self) -> None:
        self._stopping = False
        for spec in self.specs.values():
            self._tasks.append(asyncio.create_task(self._loop(spec), name=f"jobs-{spec.name}"))
        self._tasks.append(asyncio.create_task(self.housekeeping(), name="jobs-housekeeping"))

    async def stop(self) -> None:
        self._stopping = True
        self.wake()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            try:
                await task
            except (asyncio.CancelledError, Exception):  # noqa: BLE001
                pass
        self._tasks = []
        pending = [t for s in self._inflight.values() for t in s]
        interrupted = [self._running[t] for t in pending if t in self._running]
        for t in pending:
            t.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)
        if self._writing_done is not None:  # jobs that ran to the end are recorded done first
            await asyncio.gather(self._writing_done, return_exceptions=True)
        if interrupted:
            # A clean stop hands the jobs back at once instead of waiting for their leases
            # (those recorded done just now stay done: only pending jobs are handed back).
            await self._finish(self.store.jobs.release([j.id for j in interrupted],
                                                       attempts=[j.attempts for j in interrupted]))

    async def _loop(self, spec: QueueSpec) -> None:
        event = self._wake[spec.name]
        inflight = self._inflight[spec.name]
        while not self._stopping:
            event.clear()  # before claiming, so a wake() during the claim is kept
            room = spec.concurrency - len(inflight)
            jobs = []
            if room > 0:
                try:
                    jobs = await self.store.jobs.claim(spec.name, min(room, spec.batch), spec.lease)
                except Exception:  # noqa: BLE001 - keep the loop alive
                    log.exception("claiming %s jobs failed", spec.name)
            for job in jobs:
                task = asyncio.create_task(self._run(spec, job))
                inflight.add(task)
                self._running[task] = job
                task.add_done_callback(inflight.discard)
                task.add_done_callback(self._forget)
            if jobs and len(jobs) == min(room, spec.batch):
                await asyncio.sleep(0)
                continue
            try:
                await asyncio.wait_for(event.wait(), timeout=self._idle_wait(inflight))
            except asyncio.TimeoutError:
                pass

    def _forget(self, task: asyncio.Task) -> None:
        self._running.pop(task, None)

    def _idle_wait(self, inflight) -> float:
        return 0.05 if inflight else self.poll_interval

    async def _run(self, spec: QueueSpec, job: Job) -> None:
        try:
            await spec.handler(job)
        except asyncio.CancelledError:
            raise  # the lease expires and the job runs again
        except Permanent as exc:
            await self._finish(self.store.jobs.fail(job.id, str(exc) or "permanent failure", attempt=job.attempts))
        except Retry as exc:
            await self._retry(spec, job, str(exc), exc.after)
        except Exception as exc:  # noqa: BLE001
            log.exception("job %s on %s failed", job.id, spec.name)
            await self._retry(spec, job, f"{type(exc).__name__}: {exc}", None)
        else:
            await self._complete(job)
        self.wake(spec.name)

    async def _complete(self, job: Job) -> None:
        """Record a job done, together with the others done meanwhile: one statement for
        those that finished in the same turn, or while the previous batch was being written."""
        self._done.append((job.id, job.attempts))
        if self._writing_done is None or self._writing_done.done():
            self._writing_done = asyncio.ensure_future(self._write_done())
        await asyncio.shield(self._writing_done)

    async def _write_done(self) -> None:
        await asyncio.sleep(0)
        while self._done:
            batch, self._done = self._done[:DONE_BATCH], self._done[DONE_BATCH:]
            await self._finish(self.store.jobs.complete_held(batch))

    async def _retry(self, spec: QueueSpec, job: Job, reason: str, after: float | None) -> None:
        if job.attempts >= spec.max_attempts:
            await self._finish(self.store.jobs.fail(job.id, f"gave up after {job.attempts} attempts: {reason}",
                                                    attempt=job.attempts))
            return
        wait = delay(job.attempts) if after is None else min(max(after, 1.0), MAX_RETRY_AFTER)
        await self._finish(self.store.jobs.retry(job.id, time.time() + wait, reason, attempt=job.attempts))

    async def _finish(self, coro) -> None:
        try:
            await coro
        except Exception:  # noqa: BLE001 - the lease will expire and the job runs again
            log.exception("recording a job outcome failed")

    # For tests and scripts ---------------------------------------------------
    async def run_until_idle(self, queues: list[str] | None = None, timeout: float = 30.0) -> None:
        """Run due jobs until none are due or in flight (does not wait for backoff)."""
        deadline = time.monotonic() + timeout
        names = queues or list(self.specs)
        while time.monotonic() < deadline:
            busy = False
            for name in names:
                spec = self.specs[name]
                jobs = await self.store.jobs.claim(name, spec.batch, spec.lease)
                if jobs:
                    busy = True
                    await asyncio.gather(*(self._run(spec, j) for j in jobs))
                if self._inflight[name]:
                    busy = True
                    await asyncio.gather(*list(self._inflight[name]), return_exceptions=True)
            if not busy:
                return
        raise TimeoutError("jobs still running")
