"""Media uploads through Mastodon.py and raw HTTP: sniffing, re-encoding, thumbnails,
blurhash, descriptions and focus, the served files' headers, attaching to statuses, deleting
and the cleanup of media left unattached or orphaned."""

import io
import time
from datetime import datetime, timedelta, timezone

import aiohttp
import pytest
from mastodon.errors import MastodonAPIError, MastodonNotFoundError, MastodonUnauthorizedError
from PIL import Image

from fedi.models import MediaAttachment
from fedi.services import media as media_service
from fedi.services import statuses
from fedi.services.errors import ServiceError
from tests.api.conftest import call, client


def png(width=1200, height=800, color=(30, 120, 200)) -> bytes:
    buf = io.BytesIO()
    img = Image.new("RGB", (width, height), color)
    for x in range(0, width, 50):  # some structure, so the blurhash is not flat
        img.paste((250, 250, 20), (x, 0, x + 10, height))
    img.save(buf, "PNG")
    return buf.getvalue()


def jpeg_with_exif(width=300, height=200) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° clockwise to display
    exif[0x010F] = "SecretCam"  # make
    exif[0x0131] = "secret-software"  # software
    buf = io.BytesIO()
    Image.new("RGB", (width, height), (10, 200, 10)).save(buf, "JPEG", exif=exif.tobytes(),
                                                           comment=b"secret comment")
    return buf.getvalue()


async def start(fed):
    inst = await fed.start("personal.test", media={"dir": str(fed.tmp_path / "media")})
    for name in ("alice", "bob"):
        await inst.user(name)
    return inst


async def fetch(inst, url: str, token: str | None = None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with inst.session.get(url, headers=headers) as resp:
        return resp.status, await resp.read(), resp.headers


async def upload_raw(inst, token: str | None, data: bytes, *, filename="x.png", content_type="image/png",
                     path="/api/v2/media", **fields):
    form = aiohttp.FormData()
    form.add_field("file", data, filename=filename, content_type=content_type)
    for key, value in fields.items():
        form.add_field(key, value)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with inst.session.post(inst.base + path, data=form, headers=headers) as resp:
        return resp.status, await resp.json(content_type=None)


async def test_upload_entity_thumbnail_and_served_files(fed):
    inst = await start(fed)
    api = client(inst, await inst.token("alice"))
    m = await call(api.media_post, png(), mime_type="image/png", description="a striped banner",
                   focus=(0.5, -0.25))
    assert m["type"] == "image" and m["id"] and m["description"] == "a striped banner"
    assert m["remote_url"] is None and m["text_url"] is None
    assert m["url"].startswith(inst.base + "/media/") and m["url"].endswith(".png")
    assert m["preview_url"].startswith(inst.base + "/media/") and m["preview_url"] != m["url"]
    assert m["meta"]["original"] == {"width": 1200, "height": 800, "size": "1200x800", "aspect": 1.5}
    assert m["meta"]["small"]["width"] == 640 and m["meta"]["small"]["height"] == 427
    assert m["meta"]["focus"] == {"x": 0.5, "y": -0.25}
    assert isinstance(m["blurhash"], str) and len(m["blurhash"]) == 28  # 4x3 components

    status, body, headers = await fetch(inst, m["url"])
    assert status == 200 and headers["Content-Type"] == "image/png"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert "max-age=31536000" in headers["Cache-Control"]
    assert Image.open(io.BytesIO(body)).size == (1200, 800)
    status, thumb, headers = await fetch(inst, m["preview_url"])
    assert status == 200 and headers["Content-Type"] == "image/png"
    assert Image.open(io.BytesIO(thumb)).size == (640, 427)

    # the older v1 endpoint answers the same way
    m1 = await call(api._Mastodon__api_request, "POST", "/api/v1/media",
                    files={"file": ("y.png", png(64, 64), "image/png")})
    assert m1["meta"]["original"]["size"] == "64x64" and m1["meta"]["small"]["size"] == "64x64"


async def test_get_and_update_description_and_focus(fed):
    inst = await start(fed)
    api = client(inst, await inst.token("alice"))
    m = await call(api.media_post, png(200, 100), mime_type="image/png")
    assert m["description"] is None and m["meta"].get("focus") is None
    got = await call(api.media, m["id"])
    assert got["id"] == m["id"] and got["url"] == m["url"] and got["blurhash"] == m["blurhash"]
    updated = await call(api.media_update, m["id"], description="two colours", focus=(-1.0, 1.0))
    assert updated["description"] == "two colours"
    assert updated["meta"]["focus"] == {"x": -1.0, "y": 1.0}
    again = await call(api.media, m["id"])
    assert again["description"] == "two colours" and again["meta"]["focus"] == {"x": -1.0, "y": 1.0}
    with pytest.raises(MastodonAPIError):
        await call(api.media_update, m["id"], focus=(2.0, 0.0))
    with pytest.raises(MastodonAPIError):
        await call(api.media_update, m["id"], description="x" * 1501)


async def test_rejections(fed):
    inst = await start(fed)
    token = await inst.token("alice")
    api = client(inst, token)
    # a text file claiming to be a PNG
    with pytest.raises(MastodonAPIError) as err:
        await call(api.media_post, b"just some text, honestly\n" * 10, mime_type="image/png",
                   file_name="cat.png")
    assert err.value.args[1] == 422
    # formats Pillow reads but that are not allowed
    buf = io.BytesIO()
    Image.new("RGB", (20, 20)).save(buf, "BMP")
    status, body = await upload_raw(inst, token, buf.getvalue(), filename="x.bmp", content_type="image/png")
    assert status == 422, body
    # too many bytes
    status, body = await upload_raw(inst, token, b"\0" * (10 * 1024 * 1024 + 1))
    assert status in (413, 422) and (status == 413 or body["error"] == "File is too large")
    # too many pixels (a tiny file that would decode to 25 megapixels)
    buf = io.BytesIO()
    Image.new("1", (5000, 5000)).save(buf, "PNG")
    status, body = await upload_raw(inst, token, buf.getvalue())
    assert status == 422 and "too large" in body["error"]
    # no file, bad focus
    status, body = await upload_raw(inst, token, png(10, 10), focus="1.5,0")
    assert status == 422
    async with inst.session.post(inst.base + "/api/v2/media", data={"description": "x"},
                                 headers={"Authorization": f"Bearer {token}"}) as resp:
        assert resp.status == 422
    # no token, a token without write:media
    status, _ = await upload_raw(inst, None, png(10, 10))
    assert status == 401
    with pytest.raises(MastodonUnauthorizedError):
        await call(client(inst).media_post, png(10, 10), mime_type="image/png")
    status, _ = await upload_raw(inst, await inst.token("alice", scopes="read"), png(10, 10))
    assert status == 403
    assert list((fed.tmp_path / "media").glob("*")) == []  # nothing written for any of these


async def test_other_users_media_and_file_names(fed):
    inst = await start(fed)
    alice = client(inst, await inst.token("alice"))
    bob = client(inst, await inst.token("bob"))
    m = await call(alice.media_post, png(40, 40), mime_type="image/png")
    with pytest.raises(MastodonNotFoundError):
        await call(bob.media, m["id"])
    with pytest.raises(MastodonNotFoundError):
        await call(bob.media_update, m["id"], description="mine now")
    with pytest.raises(MastodonNotFoundError):
        await call(alice.media, "123456")
    assert (await call(alice.media, m["id"]))["description"] is None
    name = m["url"].rsplit("/", 1)[1]
    for bad in ("../alice.sqlite3", "..%2Fpersonal.test.sqlite3", "%2e%2e%2fpersonal.test.sqlite3",
                name.replace(".png", ".gif"), "A" * 32 + ".png", name + ".png", "x.png"):
        status, _, _ = await fetch(inst, f"{inst.base}/media/{bad}")
        assert status == 404, bad


async def test_exif_is_stripped_and_orientation_applied(fed):
    inst = await start(fed)
    api = client(inst, await inst.token("alice"))
    m = await call(api.media_post, jpeg_with_exif(), mime_type="image/jpeg")
    # the EXIF orientation was applied: 300x200 stored sideways is shown 200x300
    assert m["meta"]["original"]["size"] == "200x300"
    status, body, headers = await fetch(inst, m["url"])
    assert status == 200 and headers["Content-Type"] == "image/jpeg"
    served = Image.open(io.BytesIO(body))
    assert served.size == (200, 300)
    assert "exif" not in served.info and not served.getexif() and "comment" not in served.info
    assert b"Exif" not in body and b"SecretCam" not in body and b"secret" not in body
    _, thumb, _ = await fetch(inst, m["preview_url"])
    assert b"Exif" not in thumb and b"SecretCam" not in thumb


async def test_content_type_comes_from_the_bytes(fed):
    inst = await start(fed)
    token = await inst.token("alice")
    # a JPEG sent as image/png named .png is stored and served as a JPEG
    status, m = await upload_raw(inst, token, jpeg_with_exif(), filename="photo.png", content_type="image/png")
    assert status == 200 and m["url"].endswith(".jpg")
    status, _, headers = await fetch(inst, m["url"])
    assert headers["Content-Type"] == "image/jpeg"
    # an animated GIF keeps its frames; its preview is a still
    frames = [Image.new("RGB", (60, 40), (i * 60, 0, 0)) for i in range(4)]
    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    status, g = await upload_raw(inst, token, buf.getvalue(), filename="a.gif", content_type="image/gif")
    assert status == 200 and g["type"] == "image"
    _, body, headers = await fetch(inst, g["url"])
    assert headers["Content-Type"] == "image/gif" and Image.open(io.BytesIO(body)).n_frames == 4


async def test_attachments_for_and_attach(fed):
    inst = await start(fed)
    state = inst.state
    alice = await state.store.accounts.by_handle("alice", None)
    bob = await state.store.accounts.by_handle("bob", None)
    data = png(100, 50)
    uploaded = [await media_service.upload(state, alice, data, "image/png", "a.png", f"alt {i}", None)
                for i in range(5)]
    ids = [m.id for m in uploaded]
    atts = await media_service.attachments_for(state, alice, ids[:2])
    assert [a["id"] for a in atts] == ids[:2]
    assert atts[0] == {
        "type": "Image", "url": f"{inst.base}/media/{uploaded[0].file_name}", "mediaType": "image/png",
        "name": "alt 0", "blurhash": uploaded[0].blurhash, "width": 100, "height": 50,
        "id": ids[0], "preview_url": f"{inst.base}/media/{uploaded[0].thumb_name}",
        "meta": {"original": {"width": 100, "height": 50, "size": "100x50", "aspect": 2.0},
                 "small": {"width": uploaded[0].thumb_width, "height": uploaded[0].thumb_height,
                           "size": f"{uploaded[0].thumb_width}x{uploaded[0].thumb_height}",
                           "aspect": uploaded[0].thumb_width / uploaded[0].thumb_height}},
    }
    with pytest.raises(ServiceError):
        await media_service.attachments_for(state, alice, ids)  # five is too many
    with pytest.raises(ServiceError):
        await media_service.attachments_for(state, bob, ids[:1])  # not bob's
    with pytest.raises(ServiceError):
        await media_service.attachments_for(state, alice, ["999"])
    assert await media_service.attach(state, ids[:2], "12345") == 2
    with pytest.raises(ServiceError):
        await media_service.attachments_for(state, alice, ids[1:3])  # one is already attached
    assert await media_service.attach(state, ids[:2], "67890") == 0
    assert [m.id for m in await state.store.media.for_status("12345")] == ids[:2]
    with pytest.raises(ServiceError):  # attached media can no longer be edited here
        await media_service.update(state, alice, ids[0], "new", None)


async def delete_raw(inst, token: str | None, media_id: str):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with inst.session.delete(f"{inst.base}/api/v1/media/{media_id}", headers=headers) as resp:
        return resp.status, await resp.json(content_type=None)


def files_of(m) -> list[str]:
    return [m["url"].rsplit("/", 1)[1], m["preview_url"].rsplit("/", 1)[1]]


async def test_delete_unattached_media(fed):
    inst = await start(fed)
    state, media_dir = inst.state, fed.tmp_path / "media"
    token, bob_token = await inst.token("alice"), await inst.token("bob")
    alice_api = client(inst, token)
    m = await call(alice_api.media_post, png(40, 40), mime_type="image/png")
    assert all((media_dir / name).exists() for name in files_of(m))

    assert (await delete_raw(inst, None, m["id"]))[0] == 401
    assert (await delete_raw(inst, await inst.token("alice", scopes="read"), m["id"]))[0] == 403
    assert (await delete_raw(inst, bob_token, m["id"]))[0] == 404  # not bob's
    assert (await delete_raw(inst, token, "123456"))[0] == 404
    assert await delete_raw(inst, token, m["id"]) == (200, {})
    assert not any((media_dir / name).exists() for name in files_of(m))
    assert await state.store.media.get(m["id"]) is None
    with pytest.raises(MastodonNotFoundError):
        await call(alice_api.media, m["id"])
    assert (await fetch(inst, m["url"]))[0] == 404
    assert (await delete_raw(inst, token, m["id"]))[0] == 404  # already gone

    # media in use by a status, or waiting in a scheduled post, stay
    posted = await call(alice_api.media_post, png(40, 40), mime_type="image/png")
    await call(alice_api.status_post, "with a picture", media_ids=[posted["id"]])
    status, body = await delete_raw(inst, token, posted["id"])
    assert status == 422 and body["error"] == "Media attachment is currently used by a status"
    later = await call(alice_api.media_post, png(40, 40), mime_type="image/png")
    await call(alice_api.status_post, "later", media_ids=[later["id"]],
               scheduled_at=datetime.now(timezone.utc) + timedelta(hours=2))
    assert (await delete_raw(inst, token, later["id"]))[0] == 422
    assert all((media_dir / name).exists() for name in files_of(posted) + files_of(later))


async def test_cleanup_of_unattached_and_orphaned_media(fed):
    inst = await start(fed)
    state, media_dir = inst.state, fed.tmp_path / "media"
    alice = await state.store.accounts.by_handle("alice", None)
    api = client(inst, await inst.token("alice"))

    def upload():
        return media_service.upload(state, alice, png(30, 30), "image/png", "a.png", None, None)

    stale, posted, doomed, scheduled_one = [await upload() for _ in range(4)]
    await statuses.create(state, alice, "kept", media_ids=[posted.id])
    gone = await statuses.create(state, alice, "deleted soon", media_ids=[doomed.id])
    await call(api.status_post, "later", media_ids=[scheduled_one.id],
               scheduled_at=datetime.now(timezone.utc) + timedelta(days=3))

    def on_disk(m) -> bool:
        return all((media_dir / name).exists() for name in (m.file_name, m.thumb_name))

    assert await media_service.cleanup(state) == 0  # nothing is a day old yet
    await statuses.delete(state, alice, gone)
    fresh = await upload()
    assert await media_service.cleanup(state) == 1  # the deleted status's media
    assert not on_disk(doomed) and await state.store.media.get(doomed.id) is None

    a_day_later = time.time() + media_service.UNATTACHED_FOR + 60
    fresh_row = await state.store.media.get(fresh.id)
    assert await media_service.cleanup(state, now=fresh_row.created_at + 3600) == 0
    assert await media_service.cleanup(state, now=a_day_later) == 2  # stale and fresh
    for m in (stale, fresh):
        assert not on_disk(m) and await state.store.media.get(m.id) is None
    for m in (posted, scheduled_one):  # attached, or waiting for its scheduled post
        assert on_disk(m) and await state.store.media.get(m.id) is not None
    assert await media_service.cleanup(state, now=a_day_later) == 0


async def test_cleanup_only_removes_generated_names_in_the_media_dir(fed, tmp_path):
    inst = await start(fed)
    state, media_dir = inst.state, fed.tmp_path / "media"
    alice = await state.store.accounts.by_handle("alice", None)
    media_dir.mkdir(exist_ok=True)
    victim = tmp_path / ("v" * 32 + ".png")
    victim.write_bytes(b"keep me")
    for i, name in enumerate((f"../{victim.name}", str(victim), "notes.txt")):
        await state.store.media.insert(MediaAttachment(
            id=f"9{i}", account_id=alice.id, content_type="image/png", file_name=name, size=1,
            created_at=0.0, thumb_name=f"../../{victim.name}" if i == 0 else None))
    (media_dir / "notes.txt").write_bytes(b"not generated")
    assert await media_service.cleanup(state) == 3
    assert victim.read_bytes() == b"keep me" and (media_dir / "notes.txt").exists()
    name = "A" * 32 + ".png"
    assert media_service._inside(media_dir, name) == media_dir.resolve() / name
    assert media_service._inside(media_dir, "A" * 32 + ".png/..") is None


async def test_avatar_and_header_are_kept(fed):
    inst = await start(fed)
    token = await inst.token("alice")
    api = client(inst, token)
    me = await call(api.account_update_credentials, avatar=png(80, 80), avatar_mime_type="image/png",
                    header=png(300, 100), header_mime_type="image/png")
    names = [me["avatar"].rsplit("/", 1)[1], me["header"].rsplit("/", 1)[1]]
    rows = [await inst.state.store.media.by_file_name(name) for name in names]
    assert all(rows)
    assert (await delete_raw(inst, token, rows[0].id))[0] == 422
    later = time.time() + media_service.UNATTACHED_FOR + 60
    assert await media_service.cleanup(inst.state, now=later) == 0
    for url in (me["avatar"], me["header"]):
        assert (await fetch(inst, url))[0] == 200

    # a replaced avatar is an unused upload like any other
    await call(api.account_update_credentials, avatar=png(90, 90), avatar_mime_type="image/png")
    assert await media_service.cleanup(inst.state, now=later) == 1
    assert (await fetch(inst, me["avatar"]))[0] == 404 and (await fetch(inst, me["header"]))[0] == 200
