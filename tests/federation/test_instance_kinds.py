"""The instance kind drives how accounts start out — professional: connection requests that
need approval, posts to connections by default, kept out of directories; personal: open
follows and public posts — and the administrator and each person can change those."""


from fedi.services import instance_settings




async def _follow(fed, inst, token, acct) -> dict:
    status, found = await inst.api("GET", f"/api/v2/search?q={acct}&resolve=true&type=accounts", token)
    status, rel = await inst.api("POST", f"/api/v1/accounts/{found['accounts'][0]['id']}/follow", token)
    assert status == 200, rel
    await fed.settle()
    status, rels = await inst.api("GET", f"/api/v1/accounts/relationships?id[]={found['accounts'][0]['id']}",
                              token)
    return rels[0]


async def test_each_kind_gives_its_defaults(fed):
    personal = await fed.start("personal.test", "personal")
    pro = await fed.start("pro.test", "professional")
    await personal.user("alice")
    await pro.user("bob")
    alice, bob = await personal.token("alice"), await pro.token("bob")

    status, me = await pro.api("GET", "/api/v1/accounts/verify_credentials", bob)
    assert me["locked"] is True and me["discoverable"] is False and me["source"]["privacy"] == "private"
    code, actor = await pro.get_json("/users/bob")
    assert actor["manuallyApprovesFollowers"] is True and actor["indexable"] is False
    status, me = await personal.api("GET", "/api/v1/accounts/verify_credentials", alice)
    assert me["locked"] is False and me["discoverable"] is True and me["source"]["privacy"] == "public"

    # a follow of bob is a connection request; a follow of alice is accepted at once
    rel = await _follow(fed, personal, alice, f"bob@{pro.domain}")
    assert rel["requested"] is True and rel["following"] is False
    rel = await _follow(fed, pro, bob, f"alice@{personal.domain}")
    assert rel["following"] is True
    # posts without a visibility take the account's default
    status, post = await pro.api("POST", "/api/v1/statuses", bob, {"status": "hello connections"})
    assert post["visibility"] == "private"
    status, post = await personal.api("POST", "/api/v1/statuses", alice, {"status": "hello world"})
    assert post["visibility"] == "public"

    # each person overrides their own: bob opens his account and posts publicly by default
    status, me = await pro.api("PATCH", "/api/v1/accounts/update_credentials", bob,
                            {"locked": False, "source": {"privacy": "public"}})
    assert me["locked"] is False and me["source"]["privacy"] == "public"
    await fed.settle()
    code, actor = await pro.get_json("/users/bob")
    assert actor["manuallyApprovesFollowers"] is False
    await personal.user("carol")
    carol = await personal.token("carol")
    rel = await _follow(fed, personal, carol, f"bob@{pro.domain}")
    assert rel["following"] is True and rel["requested"] is False
    status, post = await pro.api("POST", "/api/v1/statuses", bob, {"status": "now public"})
    assert post["visibility"] == "public"


async def test_configured_and_administered_defaults(fed):
    # the configuration gives a professional instance open follows and public posts
    pro = await fed.start("pro.test", "professional",
                          accounts={"approve_followers": "no", "default_visibility": "public"})
    first = await pro.user("first")
    assert first.locked is False and first.discoverable is False  # discoverable still follows the kind
    assert (await pro.state.store.users.get(first.id)).default_visibility == "public"
    # an administrator changes the defaults at run time, over the configuration
    await instance_settings.update(pro.state, approve_followers="kind", default_visibility="local",
                                   discoverable="yes")
    second = await pro.user("second")
    assert second.locked is True and second.discoverable is True
    assert (await pro.state.store.users.get(second.id)).default_visibility == "local"
    # a restart (the same database file) keeps the administrator's choice
    stopped = await fed.stop("pro.test")
    pro = await fed.start("pro.test", "professional", port=stopped.server.port,
                          accounts={"approve_followers": "no", "default_visibility": "public"})
    third = await pro.user("third")
    assert third.locked is True and (await pro.state.store.users.get(third.id)).default_visibility == "local"
