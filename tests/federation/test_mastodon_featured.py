"""Mastodon sends Add/Remove to an actor's featured collection (pins) without an activity id;
they are accepted when signed by their actor, and the post shows as pinned."""

import asyncio
import json
from email.utils import formatdate

from aiohttp import web

from fedi.activitypub.vocab import PUBLIC
from tests.federation.foreign_peer import ForeignPeer

AS = "https://www.w3.org/ns/activitystreams"


async def test_idless_add_and_remove_pin_a_post(fed):
    personal = await fed.start("personal.test", "personal")
    await personal.user("alice")
    token = await personal.token("alice")
    peer = ForeignPeer("masto.test", personal.session)
    zed = peer.actor_uri()
    note_uri = f"{zed}/statuses/110000000000000001"

    async def note(request):
        return web.json_response({
            "@context": [AS, {"ostatus": "http://ostatus.org#", "conversation": "ostatus:conversation"}],
            "id": note_uri, "type": "Note", "attributedTo": zed, "content": "<p>my pinned post</p>",
            "published": "2024-05-01T10:00:00Z", "to": [PUBLIC], "cc": [f"{zed}/followers"],
            "url": f"{peer.base}/@zed/110000000000000001",
            "conversation": f"tag:{peer.domain},2024-05-01:objectId=1:objectType=Conversation",
        }, content_type="application/activity+json")

    peer.app.router.add_get("/users/zed/statuses/110000000000000001", note)
    await peer.server.start_server()
    inbox = personal.base + "/inbox"

    async def send(activity: dict) -> tuple[int, dict]:
        body = json.dumps(activity).encode()
        headers = peer.signed_headers("POST", inbox, body)
        async with personal.session.post(inbox, data=body, headers=headers) as r:
            return r.status, headers

    async def replay(activity: dict, headers: dict) -> int:
        async with personal.session.post(inbox, data=json.dumps(activity).encode(), headers=headers) as r:
            return r.status

    async def pinned() -> list[str]:
        account = await personal.state.store.accounts.by_uri(zed)
        async with personal.session.get(f"{personal.base}/api/v1/accounts/{account.id}/statuses?pinned=true",
                                        headers={"Authorization": f"Bearer {token}"}) as r:
            assert r.status == 200
            return [s["uri"] for s in await r.json()]

    try:
        # Shaped as Mastodon's AddNoteSerializer renders a pin: no id, object the note's uri
        add = {"@context": AS, "type": "Add", "actor": zed, "object": note_uri,
               "target": f"{zed}/collections/featured"}
        status, signed = await send(add)
        assert status == 202
        assert await replay(add, signed) == 401  # the very same signed request again: a replay, refused
        assert await personal.state.store.jobs.due() == 1
        await fed.settle()
        assert await pinned() == [note_uri]

        status, _ = await send({**add, "type": "Remove"})
        assert status == 202
        await fed.settle()
        assert await pinned() == []

        # Pinned again later: the same body, signed anew, is a new activity
        while formatdate(usegmt=True) == signed["Date"]:
            await asyncio.sleep(0.05)
        status, _ = await send(add)
        assert status == 202
        await fed.settle()
        assert await pinned() == [note_uri]

        # Other activities still need an id
        create = {"@context": AS, "type": "Create", "actor": zed, "object": note_uri}
        assert (await send(create))[0] == 400
    finally:
        await peer.server.close()
