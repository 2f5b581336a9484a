"""The structured professional profile: edited through the client API (the extension endpoint
and Mastodon's update_credentials fields), published in the actor both as schema.org terms
and as PropertyValue fields, and read back on a personal instance (fields) and on another
professional instance (the whole structure)."""

import time

from fedi.services import remote

from tests.api.conftest import call, client

PROFILE = {
    "headline": "Building federated systems",
    "position": "Staff Engineer",
    "organization": "Acme & Co",
    "location": "Berlin",
    "skills": ["Python", "ActivityPub", "SQLite"],
    "experience": [
        {"role": "Staff Engineer", "organization": "Acme & Co", "start": "2021-03", "end": None,
         "description": "Leads the federation team.\nShips things."},
        {"role": "Engineer", "organization": "Beta GmbH", "start": "2016", "end": "2021-02", "description": ""},
    ],
    "education": [{"school": "TU Berlin", "degree": "MSc Computer Science", "start_year": 2012,
                   "end_year": 2014}],
}




async def _lookup(inst, token, acct):
    status, doc = await inst.api("GET", f"/api/v2/search?q={acct}&resolve=true&type=accounts", token)
    assert status == 200, doc
    return doc["accounts"][0]


def _structure(doc: dict) -> dict:
    return {k: doc[k] for k in ("headline", "position", "organization", "location", "skills",
                                "experience", "education")}


async def test_profile_federates_both_ways_at_once(fed):
    pro = await fed.start("pro.test", "professional")
    pro2 = await fed.start("work.test", "professional")
    personal = await fed.start("personal.test", "personal")
    await pro.user("bob")
    await pro2.user("carol")
    await personal.user("alice")
    bob_token = await pro.token("bob")
    alice_token, carol_token = await personal.token("alice"), await pro2.token("carol")
    # alice follows bob, so his profile changes reach her server as Update(Person)
    bob_there = await _lookup(personal, alice_token, f"bob@{pro.domain}")
    status, _ = await personal.api("POST", f"/api/v1/accounts/{bob_there['id']}/follow", alice_token)
    assert status == 200
    await fed.settle()
    status, requests = await pro.api("GET", "/api/v1/follow_requests", bob_token)
    await pro.api("POST", f"/api/v1/follow_requests/{requests[0]['id']}/authorize", bob_token)
    await fed.settle()

    # bob writes his profile through the extension endpoint, with a link among his fields
    status, saved = await pro.api("PATCH", "/api/v1/professional_profile", bob_token,
                                   {**PROFILE, "links": [{"name": "Blog", "url": "https://bob.example/"}]})
    assert status == 200, saved
    assert _structure(saved) == PROFILE
    assert saved["links"] == [{"name": "Blog", "url": "https://bob.example/", "verified_at": None}]
    await fed.settle()

    # the actor: schema.org terms, declared in its context, and PropertyValue fields
    code, actor = await pro.get_json("/users/bob")
    assert code == 200
    terms = actor["@context"][-1]
    for key in ("jobTitle", "worksFor", "knowsAbout", "alumniOf", "hasOccupation"):
        assert terms[key].startswith("https://schema.org/"), key
    assert actor["jobTitle"] == "Staff Engineer"
    assert actor["worksFor"] == {"type": "Organization", "name": "Acme & Co"}
    assert actor["knowsAbout"] == ["Python", "ActivityPub", "SQLite"]
    assert actor["hasOccupation"][0]["startDate"] == "2021-03" and "endDate" not in actor["hasOccupation"][0]
    assert actor["alumniOf"][0]["alumniOf"]["name"] == "TU Berlin"
    assert actor["sameAs"] == ["https://bob.example/"]
    fields = {a["name"]: a["value"] for a in actor["attachment"]}
    assert fields["Headline"] == "Building federated systems"
    assert fields["Organization"] == "Acme &amp; Co"  # field values are HTML
    assert fields["Skills"] == "Python, ActivityPub, SQLite"
    assert "Staff Engineer at Acme &amp; Co (Mar 2021 – now)" in fields["Experience"]
    assert fields["Education"] == "MSc Computer Science, TU Berlin (2012 – 2014)"
    assert 'href="https://bob.example/"' in fields["Blog"]

    # the personal instance got the Update: Mastodon-style fields for any client
    status, there = await personal.api("GET", f"/api/v1/accounts/{bob_there['id']}", alice_token)
    names = [f["name"] for f in there["fields"]]
    assert names[:5] == ["Headline", "Position", "Organization", "Location", "Skills"] and "Blog" in names
    # ... and keeps the structure too
    status, structured = await personal.api("GET",
                                        f"/api/v1/accounts/{bob_there['id']}/professional_profile", alice_token)
    assert _structure(structured) == _structure(saved)

    # another professional instance rebuilds exactly the same profile from the actor
    bob_at_work = await _lookup(pro2, carol_token, f"bob@{pro.domain}")
    status, rebuilt = await pro2.api("GET", f"/api/v1/accounts/{bob_at_work['id']}/professional_profile",
                                     carol_token)
    assert status == 200
    assert _structure(rebuilt) == _structure(saved)
    assert [(link["name"], link["url"]) for link in rebuilt["links"]] == [("Blog", "https://bob.example/")]

    # a change federates as Update(Person): the follower's server sees it without fetching
    status, _ = await pro.api("PATCH", "/api/v1/professional_profile", bob_token,
                               {"skills": ["Python", "Rust"], "headline": ""})
    assert status == 200
    await fed.settle()
    status, structured = await personal.api("GET",
                                        f"/api/v1/accounts/{bob_there['id']}/professional_profile", alice_token)
    assert structured["skills"] == ["Python", "Rust"] and structured["headline"] == ""
    status, there = await personal.api("GET", f"/api/v1/accounts/{bob_there['id']}", alice_token)
    assert "Headline" not in [f["name"] for f in there["fields"]]


async def test_update_credentials_fields_set_the_profile(fed):
    pro = await fed.start("pro.test", "professional")
    await pro.user("bob")
    api = client(pro, await pro.token("bob"))
    me = await call(api.account_update_credentials, fields=[
        ("Headline", "Data engineer"), ("Skills", "Python, SQL, python"), ("Location", "Lyon"),
        ("Website", "https://bob.example")])
    assert [f["name"] for f in me["fields"]] == ["Headline", "Location", "Skills", "Website"]
    # what the owner edits: their own fields only; the profile parts have their own place
    assert [f["name"] for f in me["source"]["fields"]] == ["Website"]
    assert me["source"]["fields"][0]["value"] == "https://bob.example"
    status, structured = await pro.api("GET", "/api/v1/professional_profile", await pro.token("bob"))
    assert (structured["headline"], structured["location"], structured["skills"]) == (
        "Data engineer", "Lyon", ["Python", "SQL"])
    # a client that saves the fields it was shown (source.fields) keeps the profile intact
    me = await call(api.account_update_credentials, fields=[("Website", "https://bob.example/new")])
    status, structured = await pro.api("GET", "/api/v1/professional_profile", await pro.token("bob"))
    assert structured["headline"] == "Data engineer" and structured["skills"] == ["Python", "SQL"]
    assert [f["name"] for f in me["fields"]] == ["Headline", "Location", "Skills", "Website"]
    # on a professional instance people are found by their skills
    await pro.user("dora")
    found = await call(client(pro, await pro.token("dora")).search_v2, "sql", result_type="accounts")
    assert [a["acct"] for a in found["accounts"]] == ["bob"]
    # an empty labelled field clears that part
    me = await call(api.account_update_credentials, fields=[("Location", ""), ("Website", "https://bob.example/new")])
    status, structured = await pro.api("GET", "/api/v1/professional_profile", await pro.token("bob"))
    assert structured["location"] == ""


async def test_bad_profile_input_is_refused_clearly(fed):
    pro = await fed.start("pro.test", "professional")
    personal = await fed.start("personal.test", "personal")
    await pro.user("bob")
    await personal.user("alice")
    token = await pro.token("bob")
    cases = [
        ({"experience": [{"role": "Engineer", "start": "March 2020"}]}, "experience[0].start"),
        ({"experience": [{"organization": "Acme"}]}, "experience[0].role is required"),
        ({"experience": [{"role": "X", "start": "2022", "end": "2020"}]}, "ends before it starts"),
        ({"education": [{"school": "TU", "start_year": "nineteen"}]}, "education[0].start_year"),
        ({"headline": "x" * 161}, "headline can be at most 160"),
        ({"skills": "not a list but fine"}, None),
        ({"links": [{"name": "x", "url": "javascript:alert(1)"}]}, "links[0].url"),
        ({"hobbies": ["chess"]}, "unknown profile part"),
    ]
    for body, message in cases:
        status, doc = await pro.api("PATCH", "/api/v1/professional_profile", token, body)
        if message is None:
            assert status == 200, doc
        else:
            assert status == 422, (body, doc)
            assert message in doc["error"], (body, doc)
    status, doc = await pro.api("PATCH", "/api/v1/professional_profile", token, None)
    assert status == 200  # nothing to change
    async with pro.session.patch(pro.base + "/api/v1/professional_profile", data="{not json",
                                 headers={"Authorization": f"Bearer {token}",
                                          "Content-Type": "application/json"}) as resp:
        assert resp.status == 400
    # personal instances keep no structured profile of their own
    status, doc = await personal.api("PATCH", "/api/v1/professional_profile",
                                 await personal.token("alice"), {"headline": "hi"})
    assert status == 422 and "professional instances" in doc["error"]
    # nothing was stored by the refused attempts
    status, doc = await pro.api("GET", "/api/v1/professional_profile", token)
    assert doc["experience"] == [] and doc["headline"] == ""
    assert doc["skills"] == ["not a list but fine"]


async def test_remote_profile_is_plain_text_and_capped(fed):
    """A remote actor's schema.org profile is taken as plain text (shown escaped) within local limits."""
    pro = await fed.start("pro.test", "professional")
    await pro.user("bob")
    from fedi.services import remote_actors

    doc = {
        "@context": ["https://www.w3.org/ns/activitystreams"], "id": "http://evil.test/users/mallory",
        "type": "Person", "preferredUsername": "mallory", "inbox": "http://evil.test/users/mallory/inbox",
        "jobTitle": "<script>alert(1)</script>Boss", "knowsAbout": ["<b>x</b>"] * 3 + [{"name": "y"}, 7],
        "hasOccupation": [{"roleName": "R" * 500, "startDate": "garbage"}, "Plain role", {"nothing": 1}],
        "alumniOf": {"type": "OrganizationRole", "alumniOf": {"name": "School"}, "startDate": "1999-09-01"},
    }
    account = await remote_actors.store(pro.state, doc)
    prof = await pro.state.store.professional_profiles.get(account.id)
    assert prof.position == "<script>alert(1)</script>Boss"
    assert prof.skills == ["<b>x</b>", "y"]
    assert len(prof.experience[0].role) == 150 and prof.experience[0].start == ""
    assert prof.experience[1].role == "Plain role" and len(prof.experience) == 2
    assert prof.education[0].school == "School" and prof.education[0].start_year == 1999
    async with pro.session.get(pro.base + "/@mallory@evil.test", headers={"Accept": "text/html"}) as resp:
        page = await resp.text()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;Boss" in page and "<script>alert" not in page
    assert "<li>&lt;b&gt;x&lt;/b&gt;</li>" in page
    # a later copy without the terms removes the profile
    await remote_actors.store(pro.state, {k: v for k, v in doc.items() if k not in (
        "jobTitle", "knowsAbout", "hasOccupation", "alumniOf")})
    assert await pro.state.store.professional_profiles.get(account.id) is None


async def test_an_old_copy_is_fetched_again_when_opened(fed):
    """A server whose people do not follow the account gets no Update; opening the profile
    (API or page) fetches it again once the stored copy is ten minutes old."""
    pro = await fed.start("pro.test", "professional")
    personal = await fed.start("personal.test", "personal")
    await pro.user("bob")
    await personal.user("alice")
    bob, alice = await pro.token("bob"), await personal.token("alice")
    await pro.api("PATCH", "/api/v1/professional_profile", bob, {"headline": "First"})
    status, found = await personal.api("GET", f"/api/v2/search?q=bob@{pro.domain}&resolve=true", alice)
    there = found["accounts"][0]
    await pro.api("PATCH", "/api/v1/professional_profile", bob, {"headline": "Second", "skills": ["Go"]})
    await fed.settle()
    status, doc = await personal.api("GET", f"/api/v1/accounts/{there['id']}/professional_profile", alice)
    assert doc["headline"] == "First"  # fresh enough: the stored copy
    await personal.state.store.accounts.update(there["id"], fetched_at=time.time() - remote.VIEW_MAX_AGE - 1)
    status, doc = await personal.api("GET", f"/api/v1/accounts/{there['id']}", alice)
    assert {f["name"]: f["value"] for f in doc["fields"]}["Headline"] == "Second"
    status, doc = await personal.api("GET", f"/api/v1/accounts/{there['id']}/professional_profile", alice)
    assert doc["headline"] == "Second" and doc["skills"] == ["Go"]
    # a server that does not answer: the stored copy, quickly
    await pro.api("PATCH", "/api/v1/professional_profile", bob, {"headline": "Third"})
    await personal.state.store.accounts.update(there["id"], fetched_at=time.time() - remote.VIEW_MAX_AGE - 1)
    await fed.stop("pro.test")
    async with personal.session.get(f"{personal.base}/@bob@{pro.domain}", headers={"Accept": "text/html"}) as resp:
        assert resp.status == 200 and "Second" in await resp.text()


async def test_client_to_server_update_sets_the_profile(fed):
    """An ActivityPub client updating its actor may send the schema.org terms too."""
    pro = await fed.start("pro.test", "professional")
    await pro.user("bob")
    token = await pro.token("bob")
    status, body, _ = await pro.post_outbox("bob", token, {"type": "Update", "object": {
        "id": pro.actor("bob"), "type": "Person", "jobTitle": "CTO", "worksFor": {"type": "Organization", "name": "Initech"},
        "knowsAbout": ["Strategy"], "attachment": [{"type": "PropertyValue", "name": "Site",
                                                    "value": "https://initech.example"}]}})
    assert status == 201, body
    status, doc = await pro.api("GET", "/api/v1/professional_profile", token)
    assert (doc["position"], doc["organization"], doc["skills"]) == ("CTO", "Initech", ["Strategy"])
    assert [link["url"] for link in doc["links"]] == ["https://initech.example"]
    code, actor = await pro.get_json("/users/bob")
    assert actor["jobTitle"] == "CTO" and [a["name"] for a in actor["attachment"]] == [
        "Position", "Organization", "Skills", "Site"]
