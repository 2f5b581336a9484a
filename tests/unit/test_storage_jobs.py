"""The job queue and the host registry of the store, on both backends: enqueueing with
dedup keys, claims with leases, retries and failures, purges, periodic chores, and which
hosts count as unavailable."""

from __future__ import annotations

import asyncio
import time

import pytest

from tests.unit.test_storage import store  # noqa: F401


async def job_row(store, job_id: str):
    return await store.database.fetchone("SELECT * FROM jobs WHERE id = ?", (job_id,))


# Jobs ------------------------------------------------------------------------

async def test_enqueue_dedup_key(store):
    assert await store.jobs.enqueue("inbox", {"a": 1}, dedup_key="act-1") is True
    assert await store.jobs.enqueue("inbox", {"a": 2}, dedup_key="act-1") is False
    assert await store.jobs.enqueue("inbox", {"a": 3}, dedup_key="act-2") is True
    assert await store.jobs.enqueue("inbox", {"a": 4}) is True
    assert await store.jobs.enqueue("inbox", {"a": 5}) is True  # no key, no dedup
    assert await store.jobs.pending("inbox") == 4


async def test_claim_sets_lease_and_counts_attempts(store):
    await store.jobs.enqueue("q", {"x": 1}, host="r.test")
    before = time.time()
    jobs = await store.jobs.claim("q", 10, lease=60)
    assert len(jobs) == 1
    job = jobs[0]
    assert job.payload == {"x": 1} and job.attempts == 1 and job.host == "r.test"
    row = await job_row(store, job.id)
    assert row["lease_until"] >= before + 60
    assert row["attempts"] == 1 and row["state"] == "pending"
    assert await store.jobs.claim("q", 10, lease=60) == []
    assert await store.jobs.claim("other", 10, lease=60) == []
    assert await store.jobs.due() == 0


async def test_claimed_job_is_claimable_again_after_lease_expires(store):
    await store.jobs.enqueue("q", {})
    first = await store.jobs.claim("q", 10, lease=0.3)
    assert len(first) == 1
    assert await store.jobs.claim("q", 10, lease=0.3) == []
    assert await store.jobs.due() == 0
    await asyncio.sleep(0.35)
    assert await store.jobs.due() == 1
    again = await store.jobs.claim("q", 10, lease=0.3)
    assert [j.id for j in again] == [first[0].id]
    assert again[0].attempts == 2


async def test_claim_respects_limit_and_order(store):
    now = time.time()
    for n in range(5):
        await store.jobs.enqueue("q", {"n": n}, run_at=now - 10 + n)
    first = await store.jobs.claim("q", 2, lease=60)
    assert sorted(j.payload["n"] for j in first) == [0, 1]
    rest = await store.jobs.claim("q", 10, lease=60)
    assert sorted(j.payload["n"] for j in rest) == [2, 3, 4]


async def test_concurrent_claims_never_share_a_job(store):
    for n in range(50):
        await store.jobs.enqueue("q", {"n": n})
    batches = await asyncio.gather(*(store.jobs.claim("q", 7, lease=60) for _ in range(10)))
    ids = [j.id for batch in batches for j in batch]
    assert len(ids) == len(set(ids)) == 50


async def test_retry_fail_complete(store):
    for n in range(3):
        await store.jobs.enqueue("q", {"n": n})
    jobs = {j.payload["n"]: j for j in await store.jobs.claim("q", 10, lease=60)}

    later = time.time() + 3600
    await store.jobs.retry(jobs[0].id, later, "x" * 1000)
    row = await job_row(store, jobs[0].id)
    assert row["state"] == "pending" and row["lease_until"] is None
    assert row["next_attempt_at"] == pytest.approx(later)
    assert row["last_error"] == "x" * 500
    assert await store.jobs.claim("q", 10, lease=60) == []  # not due yet

    await store.jobs.fail(jobs[1].id, "gone")
    row = await job_row(store, jobs[1].id)
    assert row["state"] == "failed" and row["last_error"] == "gone" and row["finished_at"] is not None

    await store.jobs.complete([jobs[2].id])
    row = await job_row(store, jobs[2].id)
    assert row["state"] == "done" and row["lease_until"] is None and row["finished_at"] is not None

    assert await store.jobs.counts() == {"q": {"pending": 1, "failed": 1, "done": 1}}
    assert await store.jobs.pending() == 1
    assert await store.jobs.next_due("q") == pytest.approx(later)
    assert await store.jobs.next_due("empty") is None


async def test_purge_finished(store):
    for n in range(3):
        await store.jobs.enqueue("q", {"n": n})
    jobs = {j.payload["n"]: j for j in await store.jobs.claim("q", 10, lease=60)}
    await store.jobs.complete([jobs[0].id])
    await store.jobs.fail(jobs[1].id, "no")
    assert await store.jobs.purge_finished(time.time() - 60) == 0
    assert await store.jobs.purge_finished(time.time() + 1) == 2
    rows = await store.database.fetchall("SELECT id FROM jobs")
    assert [r[0] for r in rows] == [jobs[2].id]  # pending jobs are never purged


async def test_due_counts_only_runnable_jobs(store):
    now = time.time()
    await store.jobs.enqueue("q", {"n": 0})
    await store.jobs.enqueue("q", {"n": 1})
    await store.jobs.enqueue("q", {"n": 2}, run_at=now + 3600)
    assert await store.jobs.due() == 2
    await store.jobs.claim("q", 1, lease=60)
    assert await store.jobs.due() == 1
    assert await store.jobs.pending() == 3


async def test_enqueue_many(store):
    await store.jobs.enqueue_many("deliver", [({"i": "a"}, "a.test"), ({"i": "b"}, "b.test")])
    jobs = await store.jobs.claim("deliver", 10, lease=60)
    assert sorted((j.payload["i"], j.host) for j in jobs) == [("a", "a.test"), ("b", "b.test")]


# Hosts -----------------------------------------------------------------------

async def test_host_unavailable_only_after_grace_period(store):
    assert await store.hosts.record_failure("slow.test", unavailable_after=0.3) is False
    assert await store.hosts.record_failure("slow.test", unavailable_after=0.3) is False
    host = await store.hosts.get("slow.test")
    assert host.failures == 2 and host.unavailable is False
    first = host.first_failure_at
    await asyncio.sleep(0.35)
    assert await store.hosts.record_failure("slow.test", unavailable_after=0.3) is True
    host = await store.hosts.get("slow.test")
    assert host.unavailable is True and host.failures == 3
    assert host.first_failure_at == first
    assert await store.hosts.unavailable() == ["slow.test"]
    assert [h.domain for h in await store.hosts.failing()] == ["slow.test"]

    await store.hosts.record_success("slow.test")
    host = await store.hosts.get("slow.test")
    assert host.unavailable is False and host.failures == 0 and host.first_failure_at is None
    assert host.last_success_at is not None
    assert await store.hosts.unavailable() == []

    # The grace period starts again from the next failure.
    assert await store.hosts.record_failure("slow.test", unavailable_after=0.3) is False


async def test_host_scheme_and_success_on_unknown_host(store):
    await store.hosts.record_success("new.test")
    assert (await store.hosts.get("new.test")).failures == 0
    await store.hosts.set_scheme("new.test", "rfc9421")
    await store.hosts.set_scheme("other.test", "cavage")
    assert (await store.hosts.get("new.test")).signature_scheme == "rfc9421"
    assert (await store.hosts.get("other.test")).signature_scheme == "cavage"
    assert await store.hosts.get("unknown.test") is None


async def test_a_worker_whose_lease_ran_out_changes_nothing_after_another_claims_the_job(store):
    """Two workers, one job: the first one's lease runs out while it still works, a second
    claims the job; whatever the first one then records (done, retry, failure, release) is
    ignored, and the second one's outcome stands."""
    await store.jobs.enqueue("q", {"n": 1})
    [first] = await store.jobs.claim("q", 1, lease=0.05)
    await asyncio.sleep(0.1)
    [second] = await store.jobs.claim("q", 1, lease=60)
    assert second.id == first.id and second.attempts == first.attempts + 1
    assert await store.jobs.complete([first.id], attempt=first.attempts) == 0
    assert not await store.jobs.retry(first.id, time.time() + 3600, "late", attempt=first.attempts)
    assert not await store.jobs.fail(first.id, "late", attempt=first.attempts)
    await store.jobs.release([first.id], attempts=[first.attempts])
    row = await job_row(store, first.id)
    assert row["state"] == "pending" and row["attempts"] == second.attempts and row["lease_until"] > time.time()
    assert row["last_error"] is None
    assert await store.jobs.complete([second.id], attempt=second.attempts) == 1
    row = await job_row(store, first.id)
    assert row["state"] == "done" and row["finished_at"] is not None
    # A worker whose lease ran out but whose job nobody claimed since still records its outcome.
    await store.jobs.enqueue("q", {"n": 2})
    [late] = await store.jobs.claim("q", 1, lease=0.01)
    await asyncio.sleep(0.05)
    assert await store.jobs.retry(late.id, time.time() + 60, "try later", attempt=late.attempts)


async def test_a_periodic_chore_falls_to_one_caller_per_period(store):
    now = time.time()
    turns = await asyncio.gather(*(store.settings.take_turn("chore", now, 3600) for _ in range(10)))
    assert turns.count(True) == 1
    assert not await store.settings.take_turn("chore", now + 1800, 3600)
    assert await store.settings.take_turn("chore", now + 3601, 3600)
    assert not await store.settings.take_turn("chore", now + 3700, 3600)
