import pytest


@pytest.fixture
async def pair(fed):
    """alice@personal.test follows bob@pro.test, approved; both have tokens."""
    personal = await fed.start("personal.test", "personal")
    pro = await fed.start("pro.test", "professional")
    await personal.user("alice")
    await pro.user("bob")
    tokens = {"alice": await personal.token("alice"), "bob": await pro.token("bob")}
    status, body, follow_id = await personal.post_outbox(
        "alice", tokens["alice"], {"type": "Follow", "object": pro.actor("bob")})
    assert status == 201, body
    await fed.settle()
    status, body, _ = await pro.post_outbox("bob", tokens["bob"], {"type": "Accept", "object": follow_id})
    assert status == 201, body
    await fed.settle()
    return personal, pro, tokens
