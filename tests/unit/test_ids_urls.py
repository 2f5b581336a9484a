"""Time-sortable ids and the instance's URL layout."""

from __future__ import annotations

import threading
import time

import pytest

from fedi import ids
from fedi.ids import id_floor, id_time, new_id
from fedi.urls import Urls


# ids -------------------------------------------------------------------------

def test_new_id_strictly_increasing_same_length_and_string_sortable():
    made = [new_id() for _ in range(10_000)]
    as_ints = [int(x) for x in made]
    assert all(a < b for a, b in zip(as_ints, as_ints[1:]))
    assert len({len(x) for x in made}) == 1
    assert made == sorted(made)
    assert all(x.isdigit() for x in made)


@pytest.fixture
def frozen_clock(monkeypatch):
    """A settable clock ahead of real time; the id generator's state is restored afterwards."""
    monkeypatch.setattr(ids, "_generator", ids.IdGenerator())
    now = [time.time() + 1000.0]
    monkeypatch.setattr(ids.time, "time", lambda: now[0])
    return now


def test_new_id_survives_sequence_wraparound(frozen_clock):
    """More than 65,536 ids within one millisecond stay strictly increasing."""
    frozen = frozen_clock[0]
    made = [int(new_id()) for _ in range(70_000)]
    assert all(a < b for a, b in zip(made, made[1:]))
    # Borrowing from the future is bounded: about one ms per 65,536 ids.
    assert id_time(str(made[-1])) - frozen < 0.01


def test_new_id_never_goes_backwards_when_the_clock_does(frozen_clock):
    now = frozen_clock
    first = int(new_id())
    now[0] -= 5  # NTP step backwards
    second = int(new_id())
    assert second > first


def test_new_id_unique_across_threads():
    out: list[list[str]] = [[] for _ in range(8)]

    def work(bucket):
        for _ in range(2_000):
            bucket.append(new_id())

    threads = [threading.Thread(target=work, args=(b,)) for b in out]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    everything = [x for b in out for x in b]
    assert len(set(everything)) == len(everything)
    for bucket in out:  # each thread sees its own ids increase
        assert [int(x) for x in bucket] == sorted(int(x) for x in bucket)


def test_processes_with_their_own_node_never_make_the_same_id(frozen_clock):
    """Two processes writing to one database, each with its node number, in the same
    milliseconds: every id differs, and each process's ids still increase."""
    first, second = ids.IdGenerator(node=1), ids.IdGenerator(node=2)
    made_first = [int(first.new()) for _ in range(5_000)]
    made_second = [int(second.new()) for _ in range(5_000)]
    assert not set(made_first) & set(made_second)
    for made in (made_first, made_second):
        assert all(a < b for a, b in zip(made, made[1:]))
    assert id_time(str(made_first[0])) == id_time(str(made_second[0]))
    with pytest.raises(ValueError):
        ids.IdGenerator(node=ids.MAX_NODES)


def test_a_backlog_dated_to_one_millisecond_gets_ids_that_never_repeat():
    """Ids for one `at` millisecond take its numbers in turn, then the next millisecond's:
    a process holding a node number (1,024 numbers per millisecond) never repeats an id."""
    gen = ids.IdGenerator(node=5)
    at = 1_700_000_000.0
    made = [gen.new(at=at) for _ in range(3_000)]
    assert len(set(made)) == 3_000
    per_ms = {}
    for x in made:
        per_ms[id_time(x)] = per_ms.get(id_time(x), 0) + 1
        assert (int(x) >> 10) & (ids.MAX_NODES - 1) == 5  # the node's bits stay the node's
    assert list(per_ms.values()) == [1024, 1024, 952]
    assert sorted(per_ms) == [at, at + 0.001, at + 0.002]
    # Other times in between do not disturb a millisecond's turn.
    other = [gen.new(at=at + 10) for _ in range(5)] + [gen.new(at=at) for _ in range(5)]
    assert len(set(made + other)) == 3_010


def test_id_time_round_trips():
    now = time.time()
    assert abs(id_time(new_id()) - now) < 1.0
    for ts in (0.0, 1.5, 1_700_000_000.123, 4_102_444_800.999):
        assert abs(id_time(new_id(at=ts)) - ts) < 0.001
        assert id_time(id_floor(ts)) == pytest.approx(int(ts * 1000) / 1000)
    # id_floor is a lower bound for ids made at that time.
    ts = 1_700_000_000.5
    assert int(id_floor(ts)) <= int(new_id(at=ts)) < int(id_floor(ts + 0.001))


def test_ids_from_the_past_sort_before_now():
    assert int(new_id(at=time.time() - 3600)) < int(new_id())


# Urls --------------------------------------------------------------------------

BASE = "http://a.test:8080"


def test_urls_build_with_a_port():
    urls = Urls(BASE + "/")
    assert urls.base == BASE and urls.domain == "a.test:8080"
    assert urls.actor("alice") == "http://a.test:8080/users/alice"
    assert urls.key_id("alice") == "http://a.test:8080/users/alice#main-key"
    assert urls.inbox("alice") == "http://a.test:8080/users/alice/inbox"
    assert urls.outbox("alice") == "http://a.test:8080/users/alice/outbox"
    assert urls.followers("alice") == "http://a.test:8080/users/alice/followers"
    assert urls.following("alice") == "http://a.test:8080/users/alice/following"
    assert urls.featured("alice") == "http://a.test:8080/users/alice/collections/featured"
    assert urls.profile("alice") == "http://a.test:8080/@alice"
    assert urls.shared_inbox == "http://a.test:8080/inbox"
    assert urls.instance_actor == "http://a.test:8080/actor"
    assert urls.instance_key_id == "http://a.test:8080/actor#main-key"
    assert urls.status("alice", "123") == "http://a.test:8080/users/alice/statuses/123"
    assert urls.status_html("alice", "123") == "http://a.test:8080/@alice/123"
    assert urls.replies("alice", "123") == "http://a.test:8080/users/alice/statuses/123/replies"
    assert urls.activity("456") == "http://a.test:8080/activities/456"
    assert urls.tag("Café Life") == "http://a.test:8080/tags/caf%C3%A9%20life"


def test_urls_parse_their_own_uris():
    urls = Urls(BASE)
    sid = new_id()
    assert urls.username_of(urls.actor("alice")) == "alice"
    assert urls.username_of(urls.inbox("alice")) is None
    assert urls.username_of(urls.key_id("alice")) is None
    assert urls.username_of(BASE + "/users/") is None
    assert urls.username_of("http://b.test:8080/users/alice") is None

    assert urls.status_id_of(urls.status("alice", sid)) == sid
    assert urls.status_id_of(urls.replies("alice", sid)) is None
    assert urls.status_id_of(urls.status("alice", "abc")) is None
    assert urls.status_id_of("http://a.test:9090/users/alice/statuses/1") is None
    assert urls.status_id_of(urls.actor("alice")) is None

    aid = new_id()
    assert urls.activity_id_of(urls.activity(aid)) == aid
    assert urls.activity_id_of(urls.activity("x1")) is None
    assert urls.activity_id_of(BASE + "/activities/") is None
    assert urls.activity_id_of("http://a.test/activities/1") is None


def test_is_local_does_not_match_a_prefix_sharing_host():
    port80 = Urls("http://a.test:80")
    assert port80.is_local("http://a.test:80/users/alice")
    assert port80.is_local("http://a.test:80")
    assert not port80.is_local("http://a.test:8080/users/alice")
    assert not port80.is_local("http://a.test:8080")

    plain = Urls("http://a.test")
    assert plain.is_local("http://a.test/users/alice")
    assert not plain.is_local("http://a.test.evil/users/alice")
    assert not plain.is_local("http://a.testing/users/alice")
    assert not plain.is_local("http://a.test:8080/users/alice")
    assert not plain.is_local("http://a.test@evil.test/users/alice")
    assert not plain.is_local("https://a.test/users/alice")
    assert not plain.is_local(None) and not plain.is_local("")

    assert plain.username_of("http://a.test.evil/users/alice") is None
    assert plain.status_id_of("http://a.testing/users/alice/statuses/1") is None
