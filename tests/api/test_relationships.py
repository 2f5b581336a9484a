"""/api/v1/accounts/relationships for many accounts at once, through Mastodon.py: every field
of every relationship, as each account's own endpoint reports it too."""

from fedi.services import moderation, remote
from tests.api.conftest import call, client, req

FIELDS = ("following", "showing_reblogs", "notifying", "followed_by", "blocking", "blocked_by", "muting",
          "muting_notifications", "requested", "requested_by", "domain_blocking", "endorsed", "note")


async def test_relationships_with_many_accounts_at_once(fed):
    home = await fed.start("home.test")
    far = await fed.start("far.test")
    names = ("alice", "ben", "carol", "dan", "erin", "fay", "gus", "hal")
    for name in names:
        await home.user(name)
    await far.user("rob")
    apis = {name: client(home, await home.token(name)) for name in names}
    ids = {name: (await call(apis[name].account_verify_credentials))["id"] for name in names}
    alice = apis["alice"]

    await call(apis["hal"].account_follow, ids["alice"])  # hal follows alice
    await call(alice.account_update_credentials, locked=True)
    await call(apis["dan"].account_follow, ids["alice"])  # dan asks to follow alice
    await call(apis["carol"].account_update_credentials, locked=True)
    await call(alice.account_follow, ids["carol"])  # alice asks to follow carol
    await call(alice.account_follow, ids["ben"], notify=True)
    await call(alice.account_pin, ids["ben"])  # endorsed
    await call(alice.account_note_set, ids["ben"], "met at the meetup")
    await call(alice.account_block, ids["erin"])
    await call(apis["fay"].account_block, ids["alice"])
    await call(alice.account_mute, ids["gus"], notifications=False)
    rob_here = await remote.account_by_uri(home.state, far.actor("rob"))
    await call(alice.domain_block, far.domain)

    asked = ["ben", "carol", "dan", "erin", "fay", "gus", "hal", "rob"]
    wanted = [ids[n] for n in asked[:-1]] + [rob_here.id]
    found = await call(alice.account_relationships, wanted)
    assert [r["id"] for r in found] == wanted
    got = {name: {k: r[k] for k in FIELDS if r[k]} for name, r in zip(asked, found)}
    assert got == {
        "ben": {"following": True, "showing_reblogs": True, "notifying": True, "endorsed": True,
                "note": "met at the meetup"},
        "carol": {"requested": True, "showing_reblogs": True},
        "dan": {"requested_by": True},
        "erin": {"blocking": True},
        "fay": {"blocked_by": True},
        "gus": {"muting": True},
        "hal": {"followed_by": True},
        "rob": {"domain_blocking": True},
    }
    # One account at a time says the same.
    for name, account_id in zip(asked, wanted):
        one = (await call(alice.account_relationships, account_id))[0]
        assert {k: one[k] for k in FIELDS if one[k]} == got[name]
    # And others see their own side.
    assert (await call(apis["ben"].account_relationships, ids["alice"]))[0]["followed_by"] is True
    assert (await call(apis["erin"].account_relationships, ids["alice"]))[0]["blocked_by"] is True


async def test_relationships_leave_out_suspended_accounts_unless_asked(fed):
    """Mastodon 4.3's with_suspended: suspended accounts only when it is true."""
    inst = await fed.start("home.test")
    for name in ("alice", "ben"):
        await inst.user(name)
    admin = await inst.user("carol", admin=True)
    alice = client(inst, await inst.token("alice"))
    ben = await inst.state.store.accounts.by_handle("ben", None)
    await moderation.suspend(inst.state, admin, ben.id)
    assert await call(alice.account_relationships, [ben.id]) == []
    status, found = await req(inst, "GET", f"/api/v1/accounts/relationships?id[]={ben.id}&with_suspended=true",
                              await inst.token("alice"))
    assert status == 200 and [r["id"] for r in found] == [ben.id]
