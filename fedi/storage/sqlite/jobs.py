"""Durable jobs with leases, seen inbox signatures, hosts' delivery health, and instance settings."""

from __future__ import annotations

import json
import time

import orjson

from fedi.ids import new_id
from fedi.models import Host, Job
from fedi.storage.sqlite.rows import to_record


def _dumps(payload: dict) -> str:
    """A payload as JSON text: orjson's (several times faster than the standard library on an
    activity of a few KB), or the standard library's for what orjson refuses (an integer
    beyond 64 bits, a key that is not a string). Payloads are read back with json.loads."""
    try:
        return orjson.dumps(payload).decode()
    except (TypeError, orjson.JSONEncodeError):
        return json.dumps(payload)


class SqliteJobs:
    def __init__(self, db):
        self.db = db

    async def enqueue(self, queue: str, payload: dict, *, dedup_key: str | None = None,
                      host: str | None = None, run_at: float | None = None, returning_id: bool = False):
        """Add a job. False when a job with the same dedup key exists (a replay);
        with `returning_id`, the new job's id instead of True."""
        now = time.time()
        job_id = new_id()
        changed = await self.db.execute(
            "INSERT OR IGNORE INTO jobs (id, queue, dedup_key, host, payload, next_attempt_at, created_at) "
            "VALUES (?,?,?,?,?,?,?)",
            (job_id, queue, dedup_key, host, _dumps(payload), run_at or now, now),
        )
        if returning_id:
            return job_id if changed else None
        return changed > 0

    async def enqueue_signed(self, queue: str, payload: dict, *, dedup_key: str, host: str | None,
                             fingerprint: str | None, remember_until: float) -> tuple[bool, bool]:
        """Remember a request's signature and queue its job, together: (whether the signature
        was new, whether the job was). A known signature queues nothing. One statement on
        PostgreSQL (a round trip instead of four); one transaction on SQLite."""
        now, job_id, body = time.time(), new_id(), _dumps(payload)
        if self.db.dialect == "postgresql" and not hasattr(self.db, "after_commit"):
            [row] = await self.db.write_fetchall(
                "WITH claimed AS (INSERT INTO seen_signatures (fingerprint, expires_at) "
                " SELECT CAST(?1 AS BYTEA), CAST(?2 AS DOUBLE PRECISION) WHERE ?1 IS NOT NULL "
                " ON CONFLICT (fingerprint) DO UPDATE SET expires_at = excluded.expires_at "
                " WHERE seen_signatures.expires_at < CAST(?3 AS DOUBLE PRECISION) RETURNING 1), "
                "seen AS (SELECT 1 FROM claimed UNION ALL SELECT 1 WHERE ?1 IS NULL), "
                "job AS (INSERT INTO jobs (id, queue, dedup_key, host, payload, next_attempt_at, created_at) "
                " SELECT CAST(?4 AS TEXT), CAST(?5 AS TEXT), CAST(?6 AS TEXT), CAST(?7 AS TEXT), CAST(?8 AS TEXT), "
                " ?3, ?3 WHERE EXISTS (SELECT 1 FROM seen) "
                " ON CONFLICT DO NOTHING RETURNING 1) "
                "SELECT (SELECT count(*) FROM seen), (SELECT count(*) FROM job)",
                (bytes.fromhex(fingerprint) if fingerprint else None, remember_until, now, job_id, queue,
                 dedup_key, host, body))
            return row[0] > 0, row[1] > 0

        async def both(tx) -> tuple[bool, bool]:
            jobs = SqliteJobs(tx)
            if fingerprint and not await SqliteSeenSignatures(tx).claim(fingerprint, remember_until):
                return False, False
            return True, await jobs.enqueue(queue, payload, dedup_key=dedup_key, host=host)

        if hasattr(self.db, "after_commit"):  # inside a transaction already
            return await both(self.db)
        return await self.db.write(both)

    async def get(self, job_id: str) -> dict | None:
        row = await self.db.fetchone("SELECT * FROM jobs WHERE id = ?", (job_id,))
        if row is None:
            return None
        return {**dict(row), "payload": json.loads(row["payload"])}

    async def owned(self, queue: str, account_id: str) -> list[dict]:
        """Pending jobs of a queue whose payload names this account, soonest first."""
        rows = await self.db.fetchall(
            "SELECT * FROM jobs WHERE queue = ? AND state = 'pending' "
            "AND json_extract(payload, '$.account_id') = ? ORDER BY next_attempt_at", (queue, account_id),
        )
        return [{**dict(r), "payload": json.loads(r["payload"])} for r in rows]

    async def reschedule(self, job_id: str, at: float) -> None:
        await self.db.execute(
            "UPDATE jobs SET next_attempt_at = ? WHERE id = ? AND state = 'pending'", (at, job_id)
        )

    async def enqueue_many(self, queue: str, items: list[tuple[dict, str | None]], *,
                           ref: str | None = None) -> None:
        """items: (payload, host) pairs; `ref`: the stored outbound activity they all deliver."""
        now = time.time()
        await self.db.executemany(
            "INSERT INTO jobs (id, queue, host, payload, ref, next_attempt_at, created_at) VALUES (?,?,?,?,?,?,?)",
            [(new_id(), queue, host, _dumps(payload), ref, now, now) for payload, host in items],
        )

    async def claim(self, queue: str, limit: int, lease: float) -> list[Job]:
        """Lease up to `limit` due jobs. SQLite has one writer at a time; on PostgreSQL the
        rows are locked as they are picked, and rows another worker is claiming are skipped,
        so two workers never hold the same job."""
        now = time.time()
        skip = " FOR UPDATE SKIP LOCKED" if self.db.dialect == "postgresql" else ""
        rows = await self.db.write_fetchall(
            "UPDATE jobs SET lease_until = ?, attempts = attempts + 1 WHERE id IN ("
            " SELECT id FROM jobs WHERE queue = ? AND state = 'pending' AND next_attempt_at <= ?"
            f" AND (lease_until IS NULL OR lease_until < ?) ORDER BY next_attempt_at LIMIT ?{skip})"
            " RETURNING id, queue, payload, attempts, host, dedup_key, created_at",
            (now + lease, queue, now, now, limit),
        )
        return [to_record(Job, r) for r in rows]

    # The outcome of a claimed job. With `attempt` (the job's `attempts` as its claim returned
    # it), the outcome is recorded only while that claim still holds the job: a worker whose
    # lease ran out, and whose job another worker claimed since, changes nothing. Each claim
    # counts one more attempt, so the number tells the claims apart.

    @staticmethod
    def _holder(attempt: int | None) -> tuple[str, tuple]:
        return ("", ()) if attempt is None else (" AND state = 'pending' AND attempts = ?", (attempt,))

    async def complete(self, job_ids: list[str], *, attempt: int | None = None) -> int:
        now = time.time()
        holder, params = self._holder(attempt)
        done = 0
        for job_id in job_ids:
            done += await self.db.execute(
                f"UPDATE jobs SET state = 'done', lease_until = NULL, finished_at = ? WHERE id = ?{holder}",
                (now, job_id, *params))
        return done

    async def complete_held(self, held: list[tuple[str, int]]) -> None:
        """Record done the jobs of these (id, attempt) claims that still hold them (one
        statement for them all)."""
        now = time.time()
        await self.db.executemany(
            "UPDATE jobs SET state = 'done', lease_until = NULL, finished_at = ? "
            "WHERE id = ? AND state = 'pending' AND attempts = ?",
            [(now, job_id, attempt) for job_id, attempt in held])

    async def release(self, job_ids: list[str], *, attempts: list[int] | None = None) -> None:
        """Hand claimed jobs back without counting the interrupted attempt (with `attempts`,
        only those still held by the claims that returned them)."""
        if attempts is None:
            await self.db.executemany(
                "UPDATE jobs SET lease_until = NULL, attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END "
                "WHERE id = ? AND state = 'pending'",
                [(j,) for j in job_ids],
            )
            return
        await self.db.executemany(
            "UPDATE jobs SET lease_until = NULL, attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END "
            "WHERE id = ? AND state = 'pending' AND attempts = ?",
            list(zip(job_ids, attempts)),
        )

    async def retry(self, job_id: str, next_attempt_at: float, error: str, *, attempt: int | None = None) -> bool:
        holder, params = self._holder(attempt)
        return await self.db.execute(
            f"UPDATE jobs SET lease_until = NULL, next_attempt_at = ?, last_error = ? WHERE id = ?{holder}",
            (next_attempt_at, error[:500], job_id, *params)) > 0

    async def fail(self, job_id: str, error: str, *, attempt: int | None = None) -> bool:
        holder, params = self._holder(attempt)
        return await self.db.execute(
            "UPDATE jobs SET state = 'failed', lease_until = NULL, last_error = ?, finished_at = ? "
            f"WHERE id = ?{holder}", (error[:500], time.time(), job_id, *params)) > 0

    async def next_due(self, queue: str) -> float | None:
        row = await self.db.aggregate(
            "SELECT min(CASE WHEN coalesce(lease_until, 0) > next_attempt_at THEN lease_until ELSE next_attempt_at END) FROM jobs WHERE queue = ? AND state = 'pending'",
            (queue,),
        )
        return row[0] if row else None

    async def health(self, since: float) -> dict[str, dict]:
        """Per queue: jobs waiting, when the oldest waiting one was queued, and jobs that
        failed for good or are being retried after an error since `since`."""
        rows = await self.db.fetchall(
            "SELECT queue, sum(CASE WHEN state = 'pending' THEN 1 ELSE 0 END), "
            "min(CASE WHEN state = 'pending' THEN created_at END), "
            "sum(CASE WHEN state = 'failed' AND finished_at >= ? THEN 1 ELSE 0 END), "
            "sum(CASE WHEN state = 'pending' AND last_error IS NOT NULL THEN 1 ELSE 0 END) "
            "FROM jobs GROUP BY queue ORDER BY queue", (since,))
        return {r[0]: {"pending": int(r[1] or 0), "oldest_pending_at": r[2], "failed_recently": int(r[3] or 0),
                       "retrying": int(r[4] or 0)} for r in rows}

    async def counts(self) -> dict[str, dict[str, int]]:
        rows = await self.db.fetchall("SELECT queue, state, count(*) FROM jobs GROUP BY queue, state")
        out: dict[str, dict[str, int]] = {}
        for queue, state, n in rows:
            out.setdefault(queue, {})[state] = n
        return out

    async def pending(self, queue: str | None = None) -> int:
        if queue:
            row = await self.db.aggregate(
                "SELECT count(*) FROM jobs WHERE state = 'pending' AND queue = ?", (queue,)
            )
        else:
            row = await self.db.aggregate("SELECT count(*) FROM jobs WHERE state = 'pending'")
        return row[0]

    async def due(self) -> int:
        now = time.time()
        row = await self.db.aggregate(
            "SELECT count(*) FROM jobs WHERE state = 'pending' AND next_attempt_at <= ? "
            "AND (lease_until IS NULL OR lease_until < ?)", (now, now),
        )
        return row[0]

    async def purge_finished(self, older_than: float, *, done_unkeyed_before: float | None = None) -> int:
        """Drop jobs finished before `older_than`; with `done_unkeyed_before`, also the jobs done
        before that time which no replay check needs (no dedup key)."""
        purged = await self.db.execute(
            "DELETE FROM jobs WHERE state != 'pending' AND finished_at < ?", (older_than,)
        )
        if done_unkeyed_before is not None:
            purged += await self.db.execute(
                "DELETE FROM jobs WHERE state = 'done' AND dedup_key IS NULL AND finished_at < ?",
                (done_unkeyed_before,))
        return purged


class SqliteOutboundActivities:
    """Activities being delivered, stored once for all their delivery jobs."""

    def __init__(self, db):
        self.db = db

    async def put(self, ref: str, body: str) -> None:
        await self.db.execute("INSERT INTO outbound_activities (id, body, created_at) VALUES (?,?,?)",
                              (ref, body, time.time()))

    async def get(self, ref: str) -> str | None:
        row = await self.db.fetchone("SELECT body FROM outbound_activities WHERE id = ?", (ref,))
        return row[0] if row else None

    async def purge(self, before: float) -> int:
        """Drop bodies stored before `before` that no pending job delivers any more."""
        return await self.db.execute(
            "DELETE FROM outbound_activities WHERE created_at < ? AND NOT EXISTS ("
            "SELECT 1 FROM jobs WHERE jobs.ref = outbound_activities.id AND jobs.state = 'pending')",
            (before,))


class SqliteSeenSignatures:
    def __init__(self, db):
        self.db = db

    async def claim(self, fingerprint: str, expires_at: float) -> bool:
        changed = await self.db.execute(
            "INSERT INTO seen_signatures (fingerprint, expires_at) VALUES (?, ?) "
            "ON CONFLICT (fingerprint) DO UPDATE SET expires_at = excluded.expires_at "
            "WHERE seen_signatures.expires_at < ?",
            (bytes.fromhex(fingerprint), expires_at, time.time()),
        )
        return changed > 0

    async def purge(self, now: float) -> int:
        return await self.db.execute("DELETE FROM seen_signatures WHERE expires_at < ?", (now,))


class SqliteHosts:
    def __init__(self, db):
        self.db = db

    async def get(self, domain: str) -> Host | None:
        return to_record(Host, await self.db.fetchone("SELECT * FROM hosts WHERE domain = ?", (domain,)))

    async def record_success(self, domain: str) -> None:
        await self.db.execute(
            "INSERT INTO hosts (domain, last_success_at) VALUES (?, ?) ON CONFLICT(domain) DO UPDATE SET "
            "failures = 0, first_failure_at = NULL, unavailable = 0, last_success_at = excluded.last_success_at",
            (domain, time.time()),
        )

    async def record_failure(self, domain: str, unavailable_after: float) -> bool:
        """Count a failure. Returns True when the host is now considered unavailable."""
        now = time.time()
        await self.db.execute(
            "INSERT INTO hosts (domain, failures, first_failure_at, last_failure_at) VALUES (?, 1, ?, ?) "
            "ON CONFLICT(domain) DO UPDATE SET failures = hosts.failures + 1, "
            "first_failure_at = coalesce(hosts.first_failure_at, excluded.first_failure_at), "
            "last_failure_at = excluded.last_failure_at",
            (domain, now, now),
        )
        await self.db.execute(
            "UPDATE hosts SET unavailable = 1 WHERE domain = ? AND first_failure_at <= ?",
            (domain, now - unavailable_after),
        )
        host = await self.get(domain)
        return bool(host and host.unavailable)

    async def set_scheme(self, domain: str, scheme: str) -> None:
        await self.db.execute(
            "INSERT INTO hosts (domain, signature_scheme) VALUES (?, ?) "
            "ON CONFLICT(domain) DO UPDATE SET signature_scheme = excluded.signature_scheme",
            (domain, scheme),
        )

    async def schemes(self) -> dict[str, str]:
        rows = await self.db.fetchall("SELECT domain, signature_scheme FROM hosts WHERE signature_scheme IS NOT NULL")
        return {r[0]: r[1] for r in rows}

    async def unavailable(self) -> list[str]:
        rows = await self.db.fetchall("SELECT domain FROM hosts WHERE unavailable = 1 ORDER BY domain")
        return [r[0] for r in rows]

    async def failing(self) -> list[Host]:
        rows = await self.db.fetchall("SELECT * FROM hosts WHERE failures > 0 ORDER BY failures DESC")
        return [to_record(Host, r) for r in rows]


class SqliteSettings:
    def __init__(self, db):
        self.db = db

    async def get(self, key: str) -> str | None:
        row = await self.db.fetchone("SELECT value FROM settings WHERE key = ?", (key,))
        return row[0] if row else None

    async def set(self, key: str, value: str) -> None:
        await self.db.execute(
            "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    async def take_turn(self, key: str, now: float, every: float) -> bool:
        """Whether the caller is the one to do a periodic chore now: true for one caller per
        `every` seconds, whatever the number of processes asking (one atomic statement)."""
        if await self.db.execute("INSERT OR IGNORE INTO settings (key, value) VALUES (?, ?)",
                                 (key, repr(now))) > 0:
            return True
        return await self.db.execute(
            "UPDATE settings SET value = ? WHERE key = ? AND CAST(value AS DOUBLE PRECISION) <= ?",
            (repr(now), key, now - every)) > 0

    async def set_if_absent(self, key: str, value: str) -> str:
        await self.db.execute("INSERT OR IGNORE INTO settings (key, value) VALUES (?, ?)", (key, value))
        return await self.get(key)

