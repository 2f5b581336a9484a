"""Reports federate as Flag: a forwarded report reaches the reported account's server from the
reporting server's instance actor, and Flags from peers are stored as reports about local accounts."""

import json
import time

from fedi.services import reports, statuses
from tests.federation.foreign_peer import ForeignPeer

AS = "https://www.w3.org/ns/activitystreams"


async def _api(inst, method: str, path: str, token: str, body: dict | None = None):
    async with inst.session.request(
            method, inst.base + path, data=json.dumps(body) if body is not None else None,
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"}) as resp:
        return resp.status, await resp.json(content_type=None)


async def test_forwarded_report_arrives_from_the_instance_actor(fed, pair):
    personal, pro, tokens = pair  # alice@personal follows bob@pro
    status, post = await _api(pro, "POST", "/api/v1/statuses", tokens["bob"],
                              {"status": "something nasty", "visibility": "public"})
    assert status == 200, post
    await fed.settle()
    remote_bob = await personal.state.store.accounts.by_uri(pro.actor("bob"))
    copy = await personal.state.store.statuses.by_uri(post["uri"])
    assert remote_bob is not None and copy is not None

    # When alice reports bob's post on her own server and asks for it to be forwarded
    status, report = await _api(personal, "POST", "/api/v1/reports", tokens["alice"], {
        "account_id": remote_bob.id, "status_ids": [copy.id], "comment": "please have a look",
        "forward": True})
    assert status == 200, report
    assert report["forwarded"] is True and report["status_ids"] == [copy.id]
    assert report["target_account"]["acct"] == f"bob@{pro.domain}"
    assert await personal.state.store.jobs.due() == 1  # one Flag, to bob's server
    await fed.settle()

    # Then bob's server holds a report about bob and his post, filed by alice's server
    received = await reports.listing(pro.state)
    assert len(received) == 1
    flag = received[0]
    bob = await pro.state.store.accounts.by_handle("bob", None)
    assert flag["target_account_id"] == bob.id and flag["status_ids"] == [post["id"]]
    assert flag["comment"] == "please have a look" and flag["category"] == "other"
    assert flag["forwarded"] is False and flag["action_taken"] is False
    reporter = await pro.state.store.accounts.get(flag["account_id"])
    assert reporter.uri == f"{personal.base}/actor" and reporter.actor_type == "Application"
    assert flag["uri"] == personal.state.urls.activity(report["id"])  # the Flag's id
    # alice's own server keeps her report, with her as the reporter
    mine = await reports.listing(personal.state)
    assert [(r["id"], r["account_id"]) for r in mine] == [
        (report["id"], (await personal.state.store.accounts.by_handle("alice", None)).id)]

    # A report that is not forwarded stays at home
    status, quiet = await _api(personal, "POST", "/api/v1/reports", tokens["alice"],
                               {"account_id": remote_bob.id, "comment": "again"})
    assert status == 200 and quiet["forwarded"] is False
    # ... and so does one forwarded only to other domains than bob's
    status, elsewhere = await _api(personal, "POST", "/api/v1/reports", tokens["alice"], {
        "account_id": remote_bob.id, "forward": True, "forward_to_domains": ["elsewhere.example"]})
    assert status == 200 and elsewhere["forwarded"] is False
    assert await personal.state.store.jobs.due() == 0
    await fed.settle()
    assert len(await reports.listing(pro.state)) == 1
    assert len(await reports.listing(personal.state)) == 3


async def _deliver(inst, peer, activity: dict, at: float | None = None) -> int:
    body = json.dumps(activity).encode()
    inbox = inst.base + "/inbox"
    async with inst.session.post(inbox, data=body, headers=peer.signed_headers("POST", inbox, body, at=at)) as r:
        return r.status


async def test_flags_from_a_peer_report_local_accounts_only(fed):
    pro = await fed.start("pro.test", "professional")
    bob, carol = await pro.user("bob"), await pro.user("carol")
    bobs = await statuses.create(pro.state, bob, "bob's post", visibility="public")
    carols = await statuses.create(pro.state, carol, "carol's post", visibility="public")
    peer = ForeignPeer("masto.test", pro.session)
    await peer.server.start_server()
    try:
        elsewhere = peer.actor_uri("other")
        flag = {"@context": AS, "id": f"{peer.base}/9b0e4b1c", "type": "Flag", "actor": peer.actor_uri(),
                "content": "x" * 6000,
                "object": [pro.actor("bob"), bobs.uri, carols.uri, elsewhere, f"{elsewhere}/statuses/1"]}
        assert await _deliver(pro, peer, flag) == 202
        # a repeat, signed anew as a sender's retry is, is recognised by its id
        assert await _deliver(pro, peer, flag, at=time.time() - 5) == 202
        both = {**flag, "id": f"{peer.base}/0c7d", "content": "both of them",
                "object": [pro.actor("carol"), pro.actor("bob"), carols.uri]}
        assert await _deliver(pro, peer, both) == 202
        nobody = {**flag, "id": f"{peer.base}/5e21", "object": [elsewhere, bobs.uri]}
        assert await _deliver(pro, peer, nobody) == 202
        # Every inbound check still applies: the Flag's id must be on its actor's host
        forged = {**flag, "id": f"{pro.base}/activities/1"}
        assert await _deliver(pro, peer, forged) == 400
        await fed.settle()

        got = sorted(await reports.listing(pro.state), key=lambda r: (r["comment"], r["target_account_id"]))
        zed = await pro.state.store.accounts.by_uri(peer.actor_uri())
        assert all(r["account_id"] == zed.id and r["category"] == "other" for r in got)
        summary = [(r["target_account_id"], r["status_ids"], r["comment"][:12], len(r["comment"]), r["uri"])
                   for r in got]
        assert sorted(summary) == sorted([
            (bob.id, [], "both of them", 12, both["id"]),
            (carol.id, [carols.id], "both of them", 12, both["id"]),
            (bob.id, [bobs.id], "x" * 12, 5000, flag["id"]),  # carol's post is not bob's; cut at 5000
        ])
    finally:
        await peer.server.close()
