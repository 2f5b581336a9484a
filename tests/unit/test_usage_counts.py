"""The instance-wide figures that NodeInfo and the instance document publish, on both backends:
counted from the accounts' counters and an index, never by reading every post."""

import time
from types import SimpleNamespace

import pytest

from fedi.models import User
from fedi.services import usage
from tests.harness import scratch_store
from tests.unit.test_storage import local_account, remote_account, status


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
