"""Small helpers shared by the reading and posting page tests."""

from __future__ import annotations

import io
import re

from PIL import Image

from fedi.services import statuses


def png(color=(200, 30, 30), size=(40, 30)) -> io.BytesIO:
    """A small PNG upload, as a file field (aiohttp sends a form holding one as multipart)."""
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    out.seek(0)
    return out


async def post(inst, username: str, text: str, **options):
    """A post made through the service, for setting a scene."""
    account = await inst.state.store.accounts.by_handle(username, None)
    return await statuses.create(inst.state, account, text, **options)


def card_ids(html: str) -> list[str]:
    """The ids of the status cards on a page, in order."""
    return re.findall(r'<article class="status[^"]*" id="s-(\d+)"', html)


def link(html: str, rel: str) -> str | None:
    found = re.search(rf'<a href="([^"]+)" rel="{rel}">', html)
    return found.group(1).replace("&amp;", "&") if found else None
