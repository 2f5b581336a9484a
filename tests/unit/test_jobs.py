"""The job runner against a real SQLite store."""

from __future__ import annotations

import asyncio
import time

import pytest

from fedi.jobs import backoff
from fedi.jobs.backoff import Permanent, Retry
from fedi.jobs.runner import QueueSpec, Runner
from tests.harness import scratch_store


@pytest.fixture
async def store(tmp_path):
    async with scratch_store(tmp_path, "jobs") as s:
        yield s


async def row(store, job_id: str):
    return await store.database.fetchone("SELECT * FROM jobs WHERE id = ?", (job_id,))


async def the_job(store, queue: str = "q"):
    rows = await store.database.fetchall("SELECT * FROM jobs WHERE queue = ?", (queue,))
    assert len(rows) == 1
    return rows[0]


def runner_for(store, handler, **spec) -> Runner:
    return Runner(store, [QueueSpec("q", handler, **spec)], poll_interval=30.0)


async def test_success_completes(store):
    seen = []

    async def handler(job):
        seen.append((job.payload, job.attempts))

    await store.jobs.enqueue("q", {"hello": "world"})
    await runner_for(store, handler).run_until_idle(timeout=5)
    assert seen == [({"hello": "world"}, 1)]
    job = await the_job(store)
    assert job["state"] == "done" and job["finished_at"] is not None and job["lease_until"] is None


async def test_retry_reschedules_with_backoff(store):
    async def handler(job):
        raise Retry("host said 503")

    await store.jobs.enqueue("q", {})
    before = time.time()
    await runner_for(store, handler).run_until_idle(timeout=5)
    job = await the_job(store)
    assert job["state"] == "pending"
    assert job["attempts"] == 1
    assert job["last_error"] == "host said 503"
    assert job["lease_until"] is None
    # delay(1) is at least 1**4 + 15 seconds.
    assert job["next_attempt_at"] >= before + 16
    assert job["next_attempt_at"] <= time.time() + backoff.delay(1) + 10
    assert await store.jobs.due() == 0


async def test_retry_after_overrides_backoff(store):
    async def handler(job):
        raise Retry("rate limited", after=3600)

    await store.jobs.enqueue("q", {})
    before = time.time()
    await runner_for(store, handler).run_until_idle(timeout=5)
    job = await the_job(store)
    assert before + 3600 <= job["next_attempt_at"] <= time.time() + 3600


async def test_permanent_marks_failed(store):
    async def handler(job):
        raise Permanent("410 Gone")

    await store.jobs.enqueue("q", {})
    await runner_for(store, handler).run_until_idle(timeout=5)
    job = await the_job(store)
    assert job["state"] == "failed" and job["last_error"] == "410 Gone"
    assert job["attempts"] == 1 and job["finished_at"] is not None


async def test_unexpected_exception_counts_as_retry(store):
    async def handler(job):
        raise ZeroDivisionError("oops")

    await store.jobs.enqueue("q", {})
    before = time.time()
    await runner_for(store, handler).run_until_idle(timeout=5)
    job = await the_job(store)
    assert job["state"] == "pending" and job["attempts"] == 1
    assert "ZeroDivisionError" in job["last_error"] and "oops" in job["last_error"]
    assert job["next_attempt_at"] >= before + 16


async def test_gives_up_after_max_attempts(store):
    calls = []

    async def handler(job):
        calls.append(job.attempts)
        raise Retry("still down")

    runner = runner_for(store, handler, max_attempts=3)
    await store.jobs.enqueue("q", {})
    for _ in range(3):
        await runner.run_until_idle(timeout=5)
        # Make the retry due now instead of waiting out the backoff.
        await store.database.execute("UPDATE jobs SET next_attempt_at = 0 WHERE state = 'pending'")
    await runner.run_until_idle(timeout=5)
    assert calls == [1, 2, 3]
    job = await the_job(store)
    assert job["state"] == "failed" and job["attempts"] == 3
    assert "gave up after 3 attempts" in job["last_error"] and "still down" in job["last_error"]


async def test_crashed_claim_is_not_stranded(store):
    """A claim whose worker died (never finished) runs again once its lease expires."""
    seen = []

    async def handler(job):
        seen.append(job.attempts)

    await store.jobs.enqueue("q", {})
    claimed = await store.jobs.claim("q", 10, lease=0.3)  # the "crashed" worker
    assert len(claimed) == 1

    runner = runner_for(store, handler, lease=5)
    await runner.run_until_idle(timeout=5)
    assert seen == []  # still leased to the dead worker
    await asyncio.sleep(0.35)
    await runner.run_until_idle(timeout=5)
    assert seen == [2]
    assert (await the_job(store))["state"] == "done"


async def test_cancelled_handler_runs_again_after_lease(store):
    started = asyncio.Event()
    calls = []

    async def handler(job):
        calls.append(job.attempts)
        if len(calls) == 1:
            started.set()
            await asyncio.sleep(3600)  # hangs until cancelled (process shutting down)

    await store.jobs.enqueue("q", {})
    runner = runner_for(store, handler, lease=0.3)
    task = asyncio.create_task(runner.run_until_idle(timeout=5))
    await asyncio.wait_for(started.wait(), 5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    job = await the_job(store)
    assert job["state"] == "pending" and job["lease_until"] is not None
    await runner_for(store, handler, lease=5).run_until_idle(timeout=5)
    assert calls == [1]  # still leased

    await asyncio.sleep(0.35)
    await runner_for(store, handler, lease=5).run_until_idle(timeout=5)
    assert calls == [1, 2]
    assert (await the_job(store))["state"] == "done"


async def test_jobs_run_concurrently_and_per_queue(store):
    done = {"a": [], "b": []}

    def make(name):
        async def handler(job):
            await asyncio.sleep(0.01)
            done[name].append(job.payload["n"])
        return handler

    runner = Runner(store, [QueueSpec("a", make("a"), batch=8), QueueSpec("b", make("b"))])
    for n in range(20):
        await store.jobs.enqueue("a", {"n": n})
    await store.jobs.enqueue("b", {"n": 0})
    await runner.run_until_idle(["a"], timeout=5)
    assert sorted(done["a"]) == list(range(20))
    assert done["b"] == []
    await runner.run_until_idle(timeout=5)
    assert done["b"] == [0]


def test_backoff_delay_grows():
    for _ in range(20):  # jitter must never make a later delay shorter
        delays = [backoff.delay(n) for n in range(1, 18)]
        assert delays == sorted(delays)
        assert len(set(delays)) == len(delays)
    assert backoff.delay(1) >= 16
    assert backoff.delay(0) >= 16  # no zero/negative waits
    assert backoff.delay(16) > 16**4


def test_backoff_total_span_is_at_least_two_days():
    assert backoff.total_span(17) >= 2 * 24 * 3600
    assert backoff.total_span(17) > backoff.total_span(10)


async def test_background_loop_processes_jobs_enqueued_after_start(store):
    done = asyncio.Queue()

    async def handler(job):
        await done.put(job.payload["n"])

    # A long poll interval: only wake() can make the loop notice new jobs in time.
    runner = Runner(store, [QueueSpec("q", handler)], poll_interval=30.0)
    await runner.start()
    try:
        await asyncio.sleep(0.05)  # let the loop go idle
        for n in range(3):
            await store.jobs.enqueue("q", {"n": n})
        runner.wake("q")
        got = [await asyncio.wait_for(done.get(), 2) for _ in range(3)]
        assert sorted(got) == [0, 1, 2]

        await store.jobs.enqueue("q", {"n": 3})
        runner.wake()  # waking every queue works too
        assert await asyncio.wait_for(done.get(), 2) == 3

        deadline = time.monotonic() + 2
        while await store.jobs.counts() != {"q": {"done": 4}}:
            assert time.monotonic() < deadline, await store.jobs.counts()
            await asyncio.sleep(0.01)
    finally:
        await runner.stop()
    assert runner._tasks == []


async def test_stop_leaves_unfinished_jobs_for_the_next_run(store):
    started = asyncio.Event()

    async def hang(job):
        started.set()
        await asyncio.sleep(3600)

    runner = Runner(store, [QueueSpec("q", hang, lease=0.3)], poll_interval=30.0)
    await store.jobs.enqueue("q", {})
    await runner.start()
    runner.wake()
    await asyncio.wait_for(started.wait(), 2)
    await asyncio.wait_for(runner.stop(), 2)
    assert (await the_job(store))["state"] == "pending"

    async def ok(job):
        pass

    await asyncio.sleep(0.35)
    await Runner(store, [QueueSpec("q", ok)]).run_until_idle(timeout=5)
    assert (await the_job(store))["state"] == "done"


async def test_wake_during_a_claim_is_not_lost(store):
    done = asyncio.Event()

    async def handler(job):
        done.set()

    class RacingJobs:
        """Delegates to the real jobs repository; a job arrives (and wake() is
        called) while the runner's first claim is in flight, after its query ran."""

        def __init__(self, real):
            self.real = real
            self.first = True

        def __getattr__(self, name):
            return getattr(self.real, name)

        async def claim(self, queue, limit, lease):
            jobs = await self.real.claim(queue, limit, lease)
            if self.first:
                self.first = False
                await self.real.enqueue(queue, {})
                runner.wake(queue)
            return jobs

    class RacingStore:
        jobs = RacingJobs(store.jobs)

    runner = Runner(RacingStore(), [QueueSpec("q", handler)], poll_interval=30.0)
    await runner.start()
    try:
        # With a 30 s poll interval, only the wake() made during the claim can run the job this soon.
        await asyncio.wait_for(done.wait(), 1)
        for _ in range(100):  # the runner records the job done right after its handler returns
            if await store.jobs.pending("q") == 0:
                break
            await asyncio.sleep(0.01)
    finally:
        await runner.stop()
    assert done.is_set()
    assert await store.jobs.pending("q") == 0


async def test_clean_stop_hands_interrupted_jobs_back(tmp_path):
    import asyncio

    from fedi.jobs.runner import QueueSpec, Runner
    from fedi.storage.interfaces import open_store

    store = await open_store(str(tmp_path / "stop.sqlite3"))
    started = asyncio.Event()

    async def slow(job):
        started.set()
        await asyncio.sleep(60)

    runner = Runner(store, [QueueSpec("q", slow, lease=600.0)], poll_interval=0.05)
    await store.jobs.enqueue("q", {"n": 1})
    await runner.start()
    await asyncio.wait_for(started.wait(), 5)
    await runner.stop()
    # The job is claimable again at once (its lease was released), and the attempt was not counted.
    jobs = await store.jobs.claim("q", 10, 1.0)
    assert len(jobs) == 1 and jobs[0].attempts == 1
    await store.close()


async def test_housekeeping_drops_done_jobs_promptly_but_keeps_replay_keys_and_failures(store):
    async def handler(job):
        if job.payload.get("fail"):
            raise Permanent("no")

    await store.jobs.enqueue("q", {"n": 1})
    await store.jobs.enqueue("q", {"n": 2}, dedup_key="https://peer.test/activities/2")
    await store.jobs.enqueue("q", {"fail": True})
    runner = runner_for(store, handler)
    await runner.run_until_idle(timeout=5)
    assert await store.jobs.counts() == {"q": {"done": 2, "failed": 1}}

    task = asyncio.create_task(runner.housekeeping(done_for=0.2))
    try:
        deadline = time.monotonic() + 5
        while await store.jobs.counts() != {"q": {"done": 1, "failed": 1}}:
            assert time.monotonic() < deadline, await store.jobs.counts()
            await asyncio.sleep(0.05)
    finally:
        runner._stopping = True
        task.cancel()
    [kept] = await store.database.fetchall("SELECT dedup_key FROM jobs WHERE state = 'done'")
    assert kept[0] == "https://peer.test/activities/2"


async def test_a_signature_and_its_job_are_taken_together(store):
    """Intake: a new signature queues the job; the same signature again queues nothing (a
    replay); a new signature for a known activity is remembered but queues nothing more."""
    later = time.time() + 3600

    async def take(fingerprint, key):
        return await store.jobs.enqueue_signed("inbox", {"k": key}, dedup_key=key, host="peer.test",
                                               fingerprint=fingerprint, remember_until=later)

    assert await take("aa" * 32, "https://peer.test/a/1") == (True, True)
    assert await take("aa" * 32, "https://peer.test/a/1") == (False, False)
    assert await take("aa" * 32, "https://peer.test/a/2") == (False, False)  # a replayed signature
    assert await take("bb" * 32, "https://peer.test/a/1") == (True, False)  # a retry, signed anew
    assert await take(None, "https://peer.test/a/3") == (True, True)  # nothing to remember
    assert await take(None, "https://peer.test/a/3") == (True, False)
    jobs = await store.database.fetchall("SELECT dedup_key, host FROM jobs ORDER BY dedup_key")
    assert [tuple(j) for j in jobs] == [("https://peer.test/a/1", "peer.test"), ("https://peer.test/a/3", "peer.test")]
    # a signature remembered until a time now past may be taken again
    await store.seen_signatures.claim("cc" * 32, time.time() - 1)
    assert await take("cc" * 32, "https://peer.test/a/4") == (True, True)


async def test_a_job_that_finished_as_the_runner_stops_is_recorded_done_not_handed_back(store):
    finished = asyncio.Event()

    async def handler(job):
        finished.set()

    await store.jobs.enqueue("q", {})
    runner = runner_for(store, handler)
    written = asyncio.Event()
    complete_held = store.jobs.complete_held

    async def slow_write(held):  # the outcome is still being written when the runner stops
        await asyncio.sleep(0.2)
        await complete_held(held)
        written.set()

    store.jobs.complete_held = slow_write
    try:
        await runner.start()
        await asyncio.wait_for(finished.wait(), 5)
        await runner.stop()
    finally:
        store.jobs.complete_held = complete_held
    assert written.is_set()
    job = await the_job(store)
    assert job["state"] == "done" and job["attempts"] == 1
