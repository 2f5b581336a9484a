"""Linked identities across a personal and a professional instance: each account lists the
other in alsoKnownAs and in a profile link; each server verifies the claim by fetching the
other actor; one-sided or false claims are never verified; a change on either side is
checked again; and nothing else crosses the link."""

import time

import mf2py

from fedi.services import link_verification

from tests.federation.foreign_peer import ForeignPeer




async def _fields_of(inst, token, acct) -> dict:
    """name -> verified_at of the account's fields, as this instance's client API shows them."""
    status, doc = await inst.api("GET", f"/api/v1/accounts/lookup?acct={acct}", token)
    assert status == 200, doc
    return {f["name"]: f["verified_at"] for f in doc["fields"]}


async def _setup(fed):
    personal = await fed.start("personal.test", "personal")
    pro = await fed.start("pro.test", "professional")
    await personal.user("alice")
    await pro.user("alice")
    return personal, pro, await personal.token("alice"), await pro.token("alice")


async def test_a_mutual_link_is_verified_on_both_sides(fed):
    personal, pro, home_token, work_token = await _setup(fed)
    home_handle, work_handle = f"alice@{personal.domain}", f"alice@{pro.domain}"

    # alice@personal claims alice@pro: one-sided, so never shown as verified
    status, links = await personal.api("POST", "/api/v1/linked_accounts", home_token,
                               {"account": work_handle, "label": "At work"})
    assert status == 200, links
    assert links[0]["uri"] == pro.actor("alice") and links[0]["verified_at"] is None
    await fed.settle()
    assert (await _fields_of(personal, home_token, "alice")) == {"At work": None}
    code, actor = await personal.get_json("/users/alice")
    assert actor["alsoKnownAs"] == [pro.actor("alice")]
    assert any(f"{pro.base}/@alice" in a["value"] for a in actor["attachment"])

    # alice@pro links back: now each server finds the other side's link
    status, links = await pro.api("POST", "/api/v1/linked_accounts", work_token, {"account": home_handle})
    assert status == 200, links
    await fed.settle()
    here = await _fields_of(personal, home_token, "alice")
    assert here["At work"] is not None                              # personal: its own account
    there = await _fields_of(personal, home_token, work_handle)
    assert there["Personal profile"] is not None                    # personal: the pro account's claim
    assert (await _fields_of(pro, work_token, "alice"))["Personal profile"] is not None
    assert (await _fields_of(pro, work_token, home_handle))["At work"] is not None
    status, links = await pro.api("GET", "/api/v1/linked_accounts", work_token)
    assert links[0]["verified_at"] is not None and links[0]["account"]["acct"] == home_handle

    # the profile pages say rel="me" for Mastodon-style verifiers (read with mf2py)
    async with personal.session.get(personal.base + "/@alice", headers={"Accept": "text/html"}) as resp:
        page = await resp.text()
    rels = mf2py.parse(doc=page, url=personal.base + "/@alice")["rels"]
    assert f"{pro.base}/@alice" in rels["me"] and pro.actor("alice") in rels["me"]

    # a link is a statement, not a bridge: no follows, no posts cross it
    status, rel = await personal.api("GET", "/api/v1/accounts/relationships?id[]=" +
                             (await personal.state.store.accounts.by_uri(pro.actor("alice"))).id, home_token)
    assert rel[0]["following"] is False and rel[0]["followed_by"] is False
    status, _ = await pro.api("POST", "/api/v1/statuses", work_token, {"status": "work news", "visibility": "public"})
    status, _ = await pro.api("POST", "/api/v1/statuses", work_token,
                           {"status": "team only", "visibility": "private"})
    await fed.settle()
    status, home = await personal.api("GET", "/api/v1/timelines/home", home_token)
    assert home == []
    alice_there = await personal.state.store.accounts.by_uri(pro.actor("alice"))
    assert (await personal.state.store.statuses.by_account(alice_there.id, ("public", "private"))).total == 0

    # either side taking it back: checked again, and the mark goes on both servers
    status, _ = await personal.api("DELETE", "/api/v1/linked_accounts", home_token, {"uri": pro.actor("alice")})
    assert status == 200
    await fed.settle()
    assert (await _fields_of(pro, work_token, "alice"))["Personal profile"] is None
    assert (await _fields_of(personal, home_token, work_handle))["Personal profile"] is None
    assert await _fields_of(personal, home_token, "alice") == {}


async def test_false_claims_are_never_verified(fed):
    personal, pro, home_token, work_token = await _setup(fed)
    await pro.user("mallory")
    mallory = await pro.token("mallory")
    # mallory claims alice@personal, by link and by alias (as an ActivityPub client would)
    status, _ = await pro.api("POST", "/api/v1/linked_accounts", mallory, {"account": f"alice@{personal.domain}"})
    assert status == 200
    status, body, _ = await pro.post_outbox("mallory", mallory, {"type": "Update", "object": {
        "id": pro.actor("mallory"), "type": "Person", "alsoKnownAs": [personal.actor("alice")]}})
    assert status == 201, body
    # alice links her real professional account, not mallory
    await personal.api("POST", "/api/v1/linked_accounts", home_token, {"account": f"alice@{pro.domain}"})
    await fed.settle()
    assert list((await _fields_of(pro, mallory, "mallory")).values()) == [None]
    # alice's server sees mallory's claim, unverified, and alice's own link to alice@pro unverified
    # (alice@pro has not linked back)
    assert list((await _fields_of(personal, home_token, f"mallory@{pro.domain}")).values()) == [None]
    assert list((await _fields_of(personal, home_token, "alice")).values()) == [None]
    # claims that are not links at all: a bare alias or an unreachable account are refused or left unverified
    status, doc = await pro.api("POST", "/api/v1/linked_accounts", mallory, {"account": "nobody@nowhere.test"})
    assert status in (404, 422) and "error" in doc
    status, doc = await pro.api("POST", "/api/v1/linked_accounts", mallory, {"account": ""})
    assert status == 422


class _MastodonLike(ForeignPeer):
    """A Mastodon-shaped peer whose account has a profile field linking to a fedi profile."""

    def __init__(self, name, session, link_to: str):
        super().__init__(name, session)
        self.link_to = link_to

    def actor_doc(self, name="zed") -> dict:
        doc = super().actor_doc(name)
        doc["attachment"] = [{"type": "PropertyValue", "name": "Elsewhere",
                              "value": f'<a href="{self.link_to}" rel="me nofollow noopener noreferrer" '
                                       f'target="_blank">{self.link_to}</a>'}]
        return doc


async def test_a_link_with_a_mastodon_account_verifies_both_ways(fed):
    personal = await fed.start("personal.test", "personal")
    await personal.user("alice")
    token = await personal.token("alice")
    peer = _MastodonLike("social.test", personal.session, f"{personal.base}/@alice")
    await peer.server.start_server()
    try:
        status, links = await personal.api("POST", "/api/v1/linked_accounts", token,
                                   {"account": peer.actor_uri()})
        assert status == 200, links
        await fed.settle()
        # fedi verified the Mastodon account's field linking back to alice
        fields = await _fields_of(personal, token, "alice")
        assert list(fields.values())[0] is not None
        # and alice's page carries what Mastodon looks for to verify its own field: rel="me"
        async with personal.session.get(personal.base + "/@alice", headers={"Accept": "text/html"}) as resp:
            rels = mf2py.parse(doc=await resp.text(), url=personal.base + "/@alice")["rels"]
        assert peer.actor_doc()["url"] in rels["me"]
        # the Mastodon account drops its link without telling anyone: alice's mark goes at the
        # daily check of linked accounts (a housekeeping chore), not before
        assert await link_verification.recheck_linked(personal.state) == 1  # the first round
        await fed.settle()
        assert list((await _fields_of(personal, token, "alice")).values())[0] is not None
        peer.link_to = "https://elsewhere.example/"
        assert await link_verification.recheck_linked(personal.state) == 0  # checked less than a day ago
        await fed.settle()
        assert list((await _fields_of(personal, token, "alice")).values())[0] is not None
        later = time.time() + link_verification.RECHECK_EVERY + 1
        assert await link_verification.recheck_linked(personal.state, now=later) == 1
        await fed.settle()
        assert list((await _fields_of(personal, token, "alice")).values())[0] is None
        # saving the profile checks again too: the link is back
        peer.link_to = f"{personal.base}/@alice"
        status, _ = await personal.api("PATCH", "/api/v1/accounts/update_credentials", token,
                               {"note": "changed"})
        await fed.settle()
        assert list((await _fields_of(personal, token, "alice")).values())[0] is not None
    finally:
        await peer.server.close()
