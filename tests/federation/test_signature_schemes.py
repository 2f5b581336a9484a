"""Peers that prove RFC 9421 get RFC 9421; others get draft-cavage."""

from fedi.appkeys import SCHEMES


async def test_fedi_peers_learn_rfc9421_from_each_other(fed, pair):
    personal, pro, tokens = pair
    # Both sides fetched each other's keys with RFC 9421-signed GETs and verified them.
    assert (await personal.state.store.hosts.get(pro.domain)).signature_scheme == "rfc9421"
    assert (await pro.state.store.hosts.get(personal.domain)).signature_scheme == "rfc9421"
    assert await personal.app[SCHEMES].for_post(pro.domain) == "rfc9421"


async def test_unknown_hosts_get_cavage_on_post_and_9421_first_on_get(fed):
    inst = await fed.start("solo.test")
    schemes = inst.app[SCHEMES]
    assert await schemes.for_post("unknown.example") == "cavage"
    assert await schemes.for_get("unknown.example") == "rfc9421"
    await schemes.learn("old.example", "cavage")
    assert await schemes.for_get("old.example") == "cavage"
    assert (await inst.state.store.hosts.get("old.example")).signature_scheme == "cavage"
