"""Media uploads: sniff, re-encode without metadata, thumbnail, blurhash; attach to statuses.

Only images (JPEG, PNG, GIF, WebP; animations kept) are accepted. The client's content type and
file name are never trusted: the image work (`fedi.services.media_images`) decides what the
file is and stores only fresh encodings without metadata. It runs in worker threads, a few
uploads at a time.
"""

from __future__ import annotations

import asyncio
import logging
import math
import re
import secrets
import time
from pathlib import Path

from fedi.ids import new_id
from fedi.models import Account, MediaAttachment
from fedi.services.errors import NotFound, ServiceError
from fedi.services import media_images as images, queues
from fedi.services.state import State

log = logging.getLogger(__name__)
Media = MediaAttachment  # the record's short name here

MAX_IMAGE_BYTES = 10 * 1024 * 1024
MAX_DESCRIPTION = 1500
MAX_ATTACHMENTS = 4
PROCESSING_SLOTS = 2  # uploads decoded at once (each may hold ~100 MB of pixels)
NAME_BYTES = 24  # -> 32 URL-safe characters
NAME_PATTERN = r"[A-Za-z0-9_-]{32}\.(?:jpg|png|gif|webp)"
NAME_RE = re.compile(NAME_PATTERN)
UNATTACHED_FOR = 24 * 3600  # uploads never posted are deleted after a day, as Mastodon does
CLEANUP_BATCH = 200


# --------------------------------------------------------------------------- parameters

def media_dir(state: State) -> Path:
    return state.config.resolve_path(state.config.media.dir)


def file_url(state: State, name: str | None) -> str | None:
    return f"{state.urls.base}/media/{name}" if name else None


def parse_focus(value) -> tuple[float, float] | None:
    """'x,y' with both in [-1, 1] (None when not given)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        parts = value.split(",") if isinstance(value, str) else list(value)
        x, y = (float(v) for v in parts)
    except (TypeError, ValueError):
        raise ServiceError("Focus must be two numbers, x,y") from None
    if not all(math.isfinite(v) and -1.0 <= v <= 1.0 for v in (x, y)):
        raise ServiceError("Focus coordinates must be between -1.0 and 1.0")
    return x, y


def clean_description(value) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ServiceError("Description must be text")
    value = value.strip()
    if len(value) > MAX_DESCRIPTION:
        raise ServiceError(f"Description is too long (maximum is {MAX_DESCRIPTION} characters)")
    return value or None


def _new_name(ext: str) -> str:
    return f"{secrets.token_urlsafe(NAME_BYTES)}.{ext}"


def _write(directory: Path, files: dict[str, bytes]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    try:
        for name, content in files.items():
            with open(directory / name, "xb") as fh:
                written.append(name)
                fh.write(content)
    except BaseException:
        _remove(directory, written)
        raise


def _inside(directory: Path, name: str | None) -> Path | None:
    """The path of a generated file name in the media dir; None for anything else (an
    empty or foreign name, a path that would leave the directory)."""
    if not name or not NAME_RE.fullmatch(name):
        return None
    root = directory.resolve()
    path = root / name
    return path if path.parent == root else None


def _remove(directory: Path, names) -> None:
    for name in names:
        path = _inside(directory, name)
        if path is not None:
            path.unlink(missing_ok=True)


# --------------------------------------------------------------------------- services

async def upload(state: State, account: Account, data: bytes, content_type: str, filename: str,
                 description: str | None, focus: str | None) -> MediaAttachment:
    """Store an uploaded image. `content_type` and `filename` are the client's claims,
    kept out of every decision: the bytes alone say what the file is."""
    if len(data) > MAX_IMAGE_BYTES:
        raise ServiceError("File is too large")
    if not data:
        raise ServiceError("File is empty")
    description = clean_description(description)
    point = parse_focus(focus)
    if state.media_slots is None:
        state.media_slots = asyncio.Semaphore(PROCESSING_SLOTS)
    async with state.media_slots:
        enc = await asyncio.to_thread(images.process, data)
    name, thumb_name = _new_name(enc.ext), _new_name(enc.thumb_ext)
    directory = media_dir(state)
    await asyncio.to_thread(_write, directory, {name: enc.original, thumb_name: enc.thumb})
    media = MediaAttachment(
        id=new_id(), account_id=account.id, kind="image", content_type=enc.content_type,
        file_name=name, size=len(enc.original), width=enc.width, height=enc.height,
        thumb_name=thumb_name, thumb_content_type=enc.thumb_type, thumb_width=enc.thumb_width,
        thumb_height=enc.thumb_height, description=description,
        focus_x=point[0] if point else None, focus_y=point[1] if point else None,
        blurhash=enc.blurhash, created_at=time.time(),
    )
    try:
        await state.store.media.insert(media)
    except BaseException:
        await asyncio.to_thread(_remove, directory, (name, thumb_name))
        raise
    return media


async def get_own(state: State, account: Account, media_id: str) -> MediaAttachment:
    media = await state.store.media.get(str(media_id))
    if media is None or media.account_id != account.id:
        raise NotFound("Record not found")
    return media


async def update(state: State, account: Account, media_id: str, description: str | None,
                 focus: str | None) -> MediaAttachment:
    """Change the description (\"\" clears it) and/or focus of media not yet posted."""
    media = await get_own(state, account, media_id)
    if media.attached:
        raise NotFound("Record not found")  # as Mastodon: only unattached media are editable here
    changes = {}
    if description is not None:
        changes["description"] = clean_description(description)
    point = parse_focus(focus)
    if point is not None:
        changes["focus_x"], changes["focus_y"] = point
    if changes:
        await state.store.media.update(media.id, **changes)
        for key, value in changes.items():
            setattr(media, key, value)
    return media


def attachment_dict(state: State, media: MediaAttachment) -> dict:
    """What a Status stores (and federates) for one local attachment."""
    att = {
        "type": "Image" if media.kind == "image" else "Document",
        "url": file_url(state, media.file_name),
        "mediaType": media.content_type,
        "name": media.description or "",
        "blurhash": media.blurhash,
        "width": media.width,
        "height": media.height,
        # Kept for client API rendering; never federated (see render.AS_ATTACHMENT_KEYS).
        "id": media.id,
        "preview_url": file_url(state, media.thumb_name) if media.thumb_name else None,
        "meta": _meta(media),
    }
    if media.focus is not None:
        att["focalPoint"] = [media.focus_x, media.focus_y]
    return att


def _meta(media: MediaAttachment) -> dict:
    meta: dict = {}
    for key, w, h in (("original", media.width, media.height), ("small", media.thumb_width, media.thumb_height)):
        if w and h:
            meta[key] = {"width": w, "height": h, "size": f"{w}x{h}", "aspect": w / h}
    if media.focus is not None:
        meta["focus"] = {"x": media.focus_x, "y": media.focus_y}
    return meta


async def attachments_for(state: State, account: Account, media_ids: list[str]) -> list[dict]:
    """Attachment dicts for a new status, in the order given; 422 unless every id is the
    account's own, not yet attached media, and there are at most four."""
    ids = list(dict.fromkeys(str(i) for i in media_ids if str(i).strip()))
    if len(ids) > MAX_ATTACHMENTS:
        raise ServiceError(f"Cannot attach more than {MAX_ATTACHMENTS} files")
    found = await state.store.media.get_many(ids)
    missing = [i for i in ids if i not in found or found[i].account_id != account.id]
    if missing:
        raise ServiceError(f"Media with ID {', '.join(missing)} not found")
    used = [i for i in ids if found[i].attached]
    if used:
        raise ServiceError(f"Media with ID {', '.join(used)} is already attached to a status")
    return [attachment_dict(state, found[i]) for i in ids]


async def attach(state: State, media_ids, status_id: str, *, store=None) -> int:
    """Mark the media as attached to the status (pass `store` inside a transaction)."""
    store = store or state.store
    return await store.media.attach([str(i) for i in media_ids], status_id)


async def served_file(state: State, name: str) -> tuple[Path, str] | None:
    """(path, content type) of a stored original or thumbnail, by its generated name."""
    media = await state.store.media.by_file_name(name)
    if media is None:
        return None
    ctype = media.content_type if name == media.file_name else media.thumb_content_type
    path = media_dir(state) / name
    return (path, ctype) if ctype else None


# --------------------------------------------------------------------------- deleting

async def _reserved(state: State, account_id: str) -> set[str]:
    """What keeps the account's unattached media: the ids of those its pending scheduled
    posts will attach, and the file names of its avatar and header."""
    account = await state.store.accounts.get(account_id)
    profile = (account.avatar_url, account.header_url) if account else ()
    kept = {url.rsplit("/", 1)[-1] for url in profile if url}
    for job in await state.store.jobs.owned(queues.SCHEDULED, account_id):
        kept.update(str(i) for i in job["payload"].get("params", {}).get("media_ids") or [])
    return kept


async def _remove_files(state: State, media: MediaAttachment) -> None:
    try:
        await asyncio.to_thread(_remove, media_dir(state), (media.file_name, media.thumb_name))
    except OSError:
        log.warning("could not remove the files of media %s", media.id, exc_info=True)


async def delete_own(state: State, account: Account, media_id: str) -> None:
    """Delete one of the account's uploads with its files; 422 once it is used by a status
    (or waits in a scheduled post, or is the avatar or header)."""
    media = await get_own(state, account, media_id)
    in_use = ServiceError("Media attachment is currently used by a status")
    if media.attached or {media.id, media.file_name} & await _reserved(state, account.id):
        raise in_use
    if not await state.store.media.delete_unattached(media.id):
        raise in_use  # attached since it was read
    await _remove_files(state, media)


async def cleanup(state: State, *, now: float | None = None) -> int:
    """Delete uploads left unattached for a day (but avatars, headers and those a scheduled
    post will attach) and media whose status was deleted: the record first, then its files.
    Returns how many."""
    cutoff = (time.time() if now is None else now) - UNATTACHED_FOR
    store, removed, kept, after = state.store, 0, {}, None
    while True:
        batch = await store.media.unattached_before(cutoff, CLEANUP_BATCH, after_id=after)
        for media in batch:
            if media.account_id not in kept:
                kept[media.account_id] = await _reserved(state, media.account_id)
            if {media.id, media.file_name} & kept[media.account_id]:
                continue
            if await store.media.delete_unattached(media.id):
                await _remove_files(state, media)
                removed += 1
        if len(batch) < CLEANUP_BATCH:
            break
        after = batch[-1].id
    while batch := await store.media.of_deleted_statuses(CLEANUP_BATCH):
        for media in batch:
            await store.media.delete(media.id)
            await _remove_files(state, media)
        removed += len(batch)
        if len(batch) < CLEANUP_BATCH:
            break
    return removed
