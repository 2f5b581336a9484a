"""The instance-wide figures that NodeInfo, the instance document and the landing page
publish, on both backends: counted from the accounts' counters and indexes, never by reading
every post or every known account. Active users are local users who posted or boosted in a
period, read from each user's latest post."""

import time
from dataclasses import replace
from types import SimpleNamespace

import pytest

from fedi.models import User
from fedi.services import known_accounts, usage
from tests.harness import scratch_store
from tests.unit.test_storage import local_account, remote_account, status

DAY = 86400


def post(author, at: float, **extra):
    return replace(status(author, **extra), published=at, created_at=at)


@pytest.fixture
async def store(tmp_path):
    async with scratch_store(tmp_path) as s:
        yield s


async def test_local_posts_and_peer_domains(store):
    alice, bob = local_account("alice"), local_account("bob")
    far = [remote_account("x", "one.test"), remote_account("y", "one.test"), remote_account("z", "two.test")]
    for account in (alice, bob, *far):
        await store.accounts.insert(account)
    for account in (alice, bob):
        await store.users.insert(User(account_id=account.id, email=f"{account.username}@local.test",
                                      password_hash="h", private_key_pem="pem", created_at=time.time()))
    first = status(alice)
    for post in (first, status(alice, "private"), status(bob), status(far[0])):
        assert await store.statuses.insert(post)
    assert await store.statuses.insert(status(bob, reblog_of_id=first.id))  # a boost is not a post

    assert await store.accounts.local_posts() == 3
    assert await store.accounts.count_domains() == 2
    await store.statuses.delete(first.id)
    assert await store.accounts.local_posts() == 2


async def test_the_peer_count_is_taken_again_after_a_while(store):
    state = SimpleNamespace(store=store, figures={})  # what usage.peer_domains needs of the state
    await store.accounts.insert(remote_account("x", "one.test"))
    now = time.time()
    assert await usage.peer_domains(state, now) == 1
    await store.accounts.insert(remote_account("y", "two.test"))
    assert await usage.peer_domains(state, now + 60) == 1
    assert await usage.peer_domains(state, now + usage.PEERS_COUNTED_EVERY + 1) == 2


async def test_the_peer_list_is_taken_again_after_a_while(store):
    state = SimpleNamespace(store=store, figures={})
    await store.accounts.insert(remote_account("x", "one.test"))
    now = time.time()
    assert await known_accounts.peer_domains(state, now) == ["one.test"]
    await store.accounts.insert(remote_account("y", "two.test"))
    assert await known_accounts.peer_domains(state, now + 60) == ["one.test"]
    assert await known_accounts.peer_domains(state, now + known_accounts.PEERS_LISTED_EVERY + 1) == [
        "one.test", "two.test"]


async def test_active_users_are_local_users_who_posted_in_the_period(store):
    now = time.time()
    recent, old, silent, booster, bot = (local_account(n) for n in ("recent", "old", "silent", "booster", "bot"))
    far = remote_account("far", "far.test")
    for a in (recent, old, silent, booster, bot, far):
        await store.accounts.insert(a)
    for a in (recent, old, silent, booster):  # `bot` is a local account with no user
        await store.users.insert(User(account_id=a.id, email=f"{a.username}@local.test", password_hash="h",
                                      private_key_pem="k"))
    first = post(old, now - 60 * DAY)
    await store.statuses.insert(first)
    await store.statuses.insert(post(recent, now - 10 * DAY))
    await store.statuses.insert(post(recent, now - 90 * DAY))  # older: the latest counts
    await store.statuses.insert(post(booster, now - DAY, reblog_of_id=first.id))
    await store.statuses.insert(post(far, now - DAY))
    await store.statuses.insert(post(bot, now - DAY))

    assert await store.users.active_since(now - 30 * DAY) == 2  # recent, booster
    assert await store.users.active_since(now - 182 * DAY) == 3  # and old
    assert await store.users.active_since(now) == 0


async def test_the_figure_is_counted_once_a_minute_per_process(store):
    writer = local_account("writer")
    await store.accounts.insert(writer)
    await store.users.insert(User(account_id=writer.id, email="w@local.test", password_hash="h", private_key_pem="k"))
    state = SimpleNamespace(store=store, figures={})
    now = time.time()
    assert await usage.active_users(state, usage.MONTH_DAYS, now) == 0
    await store.statuses.insert(post(writer, now))
    assert await usage.active_users(state, usage.MONTH_DAYS, now + 30) == 0  # counted at `now`
    assert await usage.active_users(state, usage.MONTH_DAYS, now + usage.ACTIVE_COUNTED_EVERY + 1) == 1


async def test_local_users_and_the_directory(store):
    people = [local_account(f"p{n}") for n in range(6)]
    far = remote_account("far", "far.test")
    for a in (*people, far):
        await store.accounts.insert(a)
    for a in people[:5]:  # p5 is a local account with no user (an actor of the instance's own)
        await store.users.insert(User(account_id=a.id, email=f"{a.username}@local.test", password_hash="h",
                                      private_key_pem="k"))
    await store.accounts.update(people[1].id, discoverable=False)
    await store.accounts.update(people[2].id, suspended=True)
    assert await store.accounts.count_local() == 4  # users, not suspended
    listed = [a.id for a in await store.accounts.local_directory(10)]
    assert listed == [people[0].id, people[3].id, people[4].id, people[5].id]  # in the order they came
    assert [a.id for a in await store.accounts.local_directory(2)] == listed[:2]
