"""Keyword filters (v2) through Mastodon.py and raw HTTP, and how they mark statuses."""

import time

import pytest
from mastodon.errors import MastodonAPIError, MastodonNotFoundError

from fedi.services import filters, follows, statuses
from tests.api.conftest import call, req
from tests.api.test_query_counts import counting



async def local(inst, username):
    return await inst.state.store.accounts.by_handle(username, None)




def keywords_of(doc) -> list[tuple[str, bool]]:
    return [(k["keyword"], k["whole_word"]) for k in doc["keywords"]]


async def test_filter_crud_with_keywords(site):
    api = site.clients["alice"]
    made = await call(api.create_filter_v2, "Spoilers", ["home", "public"], "warn",
                      keywords_attributes=[{"keyword": "finale", "whole_word": True},
                                           {"keyword": "ending", "whole_word": False}])
    assert made["title"] == "Spoilers" and made["context"] == ["home", "public"]
    assert made["filter_action"] == "warn" and made["expires_at"] is None and made["statuses"] == []
    assert keywords_of(made) == [("finale", True), ("ending", False)]
    fid = str(made["id"])
    assert [str(f["id"]) for f in await call(api.filters_v2)] == [fid]
    assert (await call(api.filter_v2, fid))["title"] == "Spoilers"

    ids = {k["keyword"]: str(k["id"]) for k in made["keywords"]}
    changed = await call(api.update_filter_v2, fid, title="TV", filter_action="hide", expires_in=3600,
                         keywords_attributes=[{"id": ids["finale"], "_destroy": True},
                                              {"id": ids["ending"], "keyword": "end"},
                                              {"keyword": "season", "whole_word": False}])
    assert changed["title"] == "TV" and changed["filter_action"] == "hide"
    assert changed["context"] == ["home", "public"] and changed["expires_at"] is not None
    assert keywords_of(changed) == [("end", False), ("season", False)]

    added = await call(api.add_filter_keyword_v2, fid, "cliffhanger", True)
    assert added["keyword"] == "cliffhanger" and added["whole_word"] is True
    listed = await call(api.filter_keywords_v2, fid)
    assert [k["keyword"] for k in listed] == ["end", "season", "cliffhanger"]

    token = site.tokens["alice"]
    kid = str(added["id"])
    status, body = await req(site, "GET", f"/api/v2/filters/keywords/{kid}", token)
    assert status == 200 and body == {"id": kid, "keyword": "cliffhanger", "whole_word": True}
    status, body = await req(site, "PUT", f"/api/v2/filters/keywords/{kid}", token,
                             data={"keyword": "twist", "whole_word": "false"})
    assert status == 200 and body["keyword"] == "twist" and body["whole_word"] is False
    status, body = await req(site, "DELETE", f"/api/v2/filters/keywords/{kid}", token)
    assert status == 200 and body == {}
    status, _ = await req(site, "GET", f"/api/v2/filters/keywords/{kid}", token)
    assert status == 404

    status, body = await req(site, "GET", f"/api/v2/filters/{fid}/statuses", token)
    assert status == 200 and body == []
    await call(api.delete_filter_v2, fid)
    assert await call(api.filters_v2) == []
    status, body = await req(site, "GET", "/api/v1/filters", token)
    assert status == 200 and body == []


async def test_form_encoded_keywords_attributes(site):
    token = site.tokens["alice"]
    form = [("title", "Food"), ("context[]", "home"), ("context[]", "thread"),
            ("keywords_attributes[][keyword]", "soup"), ("keywords_attributes[][whole_word]", "0"),
            ("keywords_attributes[][keyword]", "stew")]
    status, made = await req(site, "POST", "/api/v2/filters", token, data=form)
    assert status == 200 and made["context"] == ["home", "thread"]
    assert keywords_of(made) == [("soup", False), ("stew", True)]  # whole_word defaults to true
    soup = made["keywords"][0]["id"]
    form = [("keywords_attributes[0][id]", soup), ("keywords_attributes[0][_destroy]", "true"),
            ("keywords_attributes[1][keyword]", "broth")]
    status, changed = await req(site, "PUT", f"/api/v2/filters/{made['id']}", token, data=form)
    assert status == 200 and keywords_of(changed) == [("stew", True), ("broth", True)]
    assert changed["title"] == "Food" and changed["context"] == ["home", "thread"]


async def test_validation_scopes_and_ownership(site):
    alice, token = site.clients["alice"], site.tokens["alice"]
    for body in ({"title": " ", "context": ["home"]},
                 {"title": "x", "context": ["home", "elsewhere"]},
                 {"title": "x", "context": []},
                 {"title": "x", "context": ["home"], "filter_action": "explode"},
                 {"title": "x", "context": ["home"], "expires_in": "soon"},
                 {"title": "x", "context": ["home"], "keywords_attributes": [{"keyword": ""}]}):
        status, err = await req(site, "POST", "/api/v2/filters", token, json=body)
        assert status == 422 and "error" in err, body
    with pytest.raises(MastodonAPIError):
        await call(alice.create_filter_v2, "", ["home"], "warn")
    assert await call(alice.filters_v2) == []

    made = await call(alice.create_filter_v2, "Mine", ["home"], "warn",
                      keywords_attributes=[{"keyword": "secret", "whole_word": True}])
    fid, kid = str(made["id"]), str(made["keywords"][0]["id"])
    status, _ = await req(site, "PUT", f"/api/v2/filters/{fid}", token, json={"context": ["nowhere"]})
    assert status == 422
    status, _ = await req(site, "PUT", f"/api/v2/filters/{fid}", token, json={"title": ""})
    assert status == 422

    bob, bob_token = site.clients["bob"], site.tokens["bob"]
    with pytest.raises(MastodonNotFoundError):
        await call(bob.filter_v2, fid)
    for method, path in (("PUT", f"/api/v2/filters/{fid}"), ("DELETE", f"/api/v2/filters/{fid}"),
                         ("GET", f"/api/v2/filters/{fid}/keywords"),
                         ("POST", f"/api/v2/filters/{fid}/keywords"),
                         ("GET", f"/api/v2/filters/keywords/{kid}"),
                         ("PUT", f"/api/v2/filters/keywords/{kid}"),
                         ("DELETE", f"/api/v2/filters/keywords/{kid}")):
        status, _ = await req(site, method, path, bob_token, json={"title": "x", "keyword": "y"})
        assert status == 404, (method, path)
    assert await call(bob.filters_v2) == []
    assert keywords_of(await call(alice.filter_v2, fid)) == [("secret", True)]

    read_only = await site.token("alice", "read")
    status, _ = await req(site, "POST", "/api/v2/filters", read_only, json={"title": "x", "context": ["home"]})
    assert status == 403
    status, _ = await req(site, "GET", "/api/v2/filters")
    assert status == 401


async def test_warn_filter_marks_home_timeline(site):
    alice, bob = await local(site, "alice"), await local(site, "bob")
    await follows.follow(site.state, alice, bob)
    api = site.clients["alice"]
    made = await call(api.create_filter_v2, "Drinks", ["home"], "warn",
                      keywords_attributes=[{"keyword": "coffee", "whole_word": True}])
    await call(api.create_filter_v2, "Elsewhere", ["public"], "warn",
               keywords_attributes=[{"keyword": "coffee", "whole_word": True}])
    hit = await statuses.create(site.state, bob, "I really love <b>Coffee</b>!")
    miss = await statuses.create(site.state, bob, "Tea is fine too")
    boost = await statuses.reblog(site.state, bob, hit)

    home = {str(s["id"]): s for s in await call(api.timeline_home)}
    assert {hit.id, miss.id, boost.id} <= set(home)
    filtered = home[hit.id]["filtered"]
    assert len(filtered) == 1  # the public-only filter does not apply at home
    assert filtered[0]["keyword_matches"] == ["coffee"] and filtered[0]["status_matches"] is None
    result = filtered[0]["filter"]
    assert str(result["id"]) == str(made["id"]) and result["title"] == "Drinks"
    assert result["filter_action"] == "warn" and result["context"] == ["home"]
    assert home[miss.id]["filtered"] == []
    assert [f["filter"]["title"] for f in home[boost.id]["filtered"]] == ["Drinks"]
    assert [f["filter"]["title"] for f in home[boost.id]["reblog"]["filtered"]] == ["Drinks"]

    single = await call(api.status, hit.id)
    assert [f["filter"]["title"] for f in single["filtered"]] == ["Drinks"]
    assert (await call(site.clients["bob"].status, hit.id))["filtered"] == []  # only the owner's filters


async def test_expired_filters_are_ignored(site):
    alice = await local(site, "alice")
    api = site.clients["alice"]
    made = await call(api.create_filter_v2, "Brief", ["home"], "hide", expires_in=3600,
                      keywords_attributes=[{"keyword": "rumour", "whole_word": True}])
    st = await statuses.create(site.state, alice, "a rumour goes round")
    assert await filters.hidden(site.state, alice.id, st, "home")
    assert len((await call(api.status, st.id))["filtered"]) == 1

    await site.state.store.filters.update(str(made["id"]), expires_at=time.time() - 1)
    assert (await call(api.status, st.id))["filtered"] == []
    assert not await filters.hidden(site.state, alice.id, st, "home")
    assert [str(f["id"]) for f in await call(api.filters_v2)] == [str(made["id"])]  # still listed

    never = await call(api.update_filter_v2, made["id"], expires_in="")
    assert never["expires_at"] is None
    assert len((await call(api.status, st.id))["filtered"]) == 1


async def test_whole_word_and_hide(site):
    alice = await local(site, "alice")
    api = site.clients["alice"]
    await call(api.create_filter_v2, "Words", ["home", "thread"], "hide",
               keywords_attributes=[{"keyword": "cat", "whole_word": True},
                                    {"keyword": "#spoiler", "whole_word": True},
                                    {"keyword": "dog", "whole_word": False}])

    async def found(text, context="home", **kw):
        st = await statuses.create(site.state, alice, text, **kw)
        return [k for _, keywords in await filters.matching(site.state, alice.id, st, context) for k in keywords]

    assert await found("my CAT, sleeping") == ["cat"]
    assert await found("concatenate strings") == []
    assert await found("hotdogs for lunch") == ["dog"]
    assert await found("big #spoiler ahead") == ["#spoiler"]
    assert await found("nothing here", summary="cat pictures") == ["cat"]  # content warnings count
    assert await found("my cat", context="public") == []
    cache: dict = {}
    st = await statuses.create(site.state, alice, "the cat and the dog")
    assert await filters.hidden(site.state, alice.id, st, "thread", cache)
    assert await filters.hidden(site.state, alice.id, st, "home", cache)
    assert not await filters.hidden(site.state, alice.id, st, "notifications", cache)
    assert filters.pattern("c++", True).search("I write C++ daily")


async def test_a_process_keeps_a_readers_filters_while_nothing_changes_them(site, monkeypatch):
    """The compiled filters are kept by the account's version, which the token check reads on
    every request: a page does not read them again, and any change, whoever writes it (another
    process included), is seen on the next page. Expiry needs no write."""
    alice = await local(site, "alice")
    await local(site, "bob")
    api, store = site.clients["alice"], site.state.store
    every = ["home", "notifications", "public", "thread", "account"]
    made = await call(api.create_filter_v2, "Brief", every, "warn", expires_in=3600,
                      keywords_attributes=[{"keyword": "rumour", "whole_word": True}])
    st = await statuses.create(site.state, alice, "a rumour goes round")

    def shown() -> list:
        return [f["keyword_matches"] for f in status_doc["filtered"]]

    status_doc = await call(api.status, st.id)
    assert shown() == [["rumour"]]
    with counting(store) as seen:
        status_doc = await call(api.status, st.id)
    assert shown() == [["rumour"]]
    assert not [sql for sql in seen if "FROM filters" in sql or "FROM filter_keywords" in sql]

    # Written straight to the database, as another process would: the version moves on.
    (keyword,) = await store.filters.keywords([str(made["id"])])
    await store.filters.update_keyword(keyword["id"], "gossip", True)
    status_doc = await call(api.status, st.id)
    assert shown() == []
    await store.filters.add_keyword(str(made["id"]), "goes round", False)
    status_doc = await call(api.status, st.id)
    assert shown() == [["goes round"]]
    await call(site.clients["bob"].create_filter_v2, "Bob's", every, "warn",
               keywords_attributes=[{"keyword": "rumour"}])  # someone else's: not alice's
    status_doc = await call(api.status, st.id)
    assert shown() == [["goes round"]]

    later = time.time() + 7200  # past the filter's expiry, with nothing written
    monkeypatch.setattr(filters, "time", type("Later", (), {"time": staticmethod(lambda: later)}))
    status_doc = await call(api.status, st.id)
    assert shown() == []
    monkeypatch.undo()
    await store.filters.delete(str(made["id"]))
    status_doc = await call(api.status, st.id)
    assert shown() == []
