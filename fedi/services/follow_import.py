"""Exporting and importing the accounts one follows, as a CSV file in Mastodon's format:
`Account address,Show boosts,Notify on new posts,Languages`, one account a row."""

from __future__ import annotations

import asyncio
import csv
import io
import logging
from dataclasses import dataclass, field

from fedi.models import Account
from fedi.services import follows
from fedi.services.errors import ServiceError
from fedi.services.search import resolve_account
from fedi.services.state import State

log = logging.getLogger(__name__)
HEADER = ["Account address", "Show boosts", "Notify on new posts", "Languages"]
MAX_BYTES = 1024 * 1024
MAX_ROWS = 5000
CONCURRENCY = 8  # follows (and WebFinger look-ups) at once
BUDGET = 20.0  # seconds an import may hold the request before going on in the background
PAGE = 200
MAX_ERRORS_SHOWN = 20


@dataclass
class ImportResult:
    followed: int = 0
    already: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)  # the first few, "acct: reason"
    remaining: int = 0  # still being followed in the background


async def export_csv(state: State, account: Account) -> str:
    """The accounts `account` follows (accepted follows), newest first."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    max_id = None
    while True:
        pairs = await state.store.follows.account_page(account.id, followers=False, max_id=max_id, limit=PAGE)
        if not pairs:
            break
        others = await state.store.accounts.get_many([a for _, a in pairs])
        for follow_id, other_id in pairs:
            other = others.get(other_id)
            if other is None:
                continue
            fol = await state.store.follows.get(account.id, other_id)
            writer.writerow([other.acct(state.urls.domain), "true",
                             "true" if fol is not None and fol.notify else "false", ""])
        max_id = pairs[-1][0]
    return out.getvalue()


def _flag(value: str, default: bool) -> bool:
    value = value.strip().lower()
    return default if not value else value in ("true", "1", "yes")


def parse_csv(data: bytes) -> list[tuple[str, bool]]:
    """(account address, notify) for each row; the header row is optional, as in Mastodon,
    and a file of bare addresses is read too. Duplicates are dropped."""
    if len(data) > MAX_BYTES:
        raise ServiceError(f"The file is larger than {MAX_BYTES // 1024} KiB.", 413)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ServiceError("The file is not UTF-8 text.") from None
    rows, seen = [], set()
    try:
        for i, row in enumerate(csv.reader(io.StringIO(text))):
            if not row or not row[0].strip():
                continue
            if i == 0 and row[0].strip().lower() == HEADER[0].lower():
                continue
            address = row[0].strip().lstrip("@")
            if address.lower() in seen:
                continue
            if len(rows) >= MAX_ROWS:
                raise ServiceError(f"The file lists more than {MAX_ROWS} accounts.", 413)
            seen.add(address.lower())
            rows.append((address, _flag(row[2], False) if len(row) > 2 else False))
    except csv.Error as exc:
        raise ServiceError(f"The file is not a CSV file: {exc}") from None
    if not rows:
        raise ServiceError("The file lists no accounts.")
    return rows


async def import_follows(state: State, account: Account, rows: list[tuple[str, bool]], *,
                         concurrency: int = CONCURRENCY, budget: float = BUDGET) -> ImportResult:
    """Follow each listed account (a request where it approves followers), resolving remote
    ones through WebFinger, a few at a time. Accounts already followed are counted apart.

    Returns after at most `budget` seconds; what is left (slow or unreachable servers) goes on
    in the background and is counted as `remaining`. Importing the file again is harmless."""
    result = ImportResult()
    if not rows:
        return result
    slots = asyncio.Semaphore(concurrency)

    async def one(address: str, notify: bool) -> None:
        async with slots:
            try:
                target = await resolve_account(state, address)
                if await state.store.follows.get(account.id, target.id) is not None:
                    result.already += 1
                    return
                await follows.follow(state, account, target, notify=notify or None)
                result.followed += 1
            except ServiceError as exc:
                failed(address, exc.message)
            except Exception:  # noqa: BLE001 - one bad row must not sink the whole import
                log.exception("importing a follow of %s failed", address)
                failed(address, "could not be followed")

    def failed(address: str, why: str) -> None:
        result.failed += 1
        if len(result.errors) < MAX_ERRORS_SHOWN:
            result.errors.append(f"{address}: {why}")

    tasks = [asyncio.ensure_future(one(address, notify)) for address, notify in rows]
    _, pending = await asyncio.wait(tasks, timeout=budget)
    if pending:
        running = state.background
        rest = asyncio.ensure_future(asyncio.wait(pending))
        running.add(rest)  # held until done, so the rest is not collected half-way
        rest.add_done_callback(running.discard)
    return ImportResult(result.followed, result.already, result.failed, list(result.errors), len(pending))
