"""What a live stream may carry to one viewer. The event bus (fedi.services.events) names
statuses, notifications and conversations by id; each is looked up for the viewer watching:
a status the viewer may not see, or whose author the viewer blocks or mutes, is left out, and
so are notifications from accounts whose notifications the viewer mutes."""

from __future__ import annotations

from fedi.models import Account, Notification, Status
from fedi.services import conversations
from fedi.services.conversations import Conversation
from fedi.services.state import State
from fedi.services.visibility import can_view


async def _shown(state: State, viewer: Account | None, status: Status) -> bool:
    store = state.store
    if not await can_view(store, status, viewer):
        return False
    if viewer is None or status.account_id == viewer.id:
        return True
    if await store.blocks.either_way(viewer.id, status.account_id):
        return False
    return await store.mutes.get(viewer.id, status.account_id) is None


async def status(state: State, viewer: Account | None, status_id: str) -> Status | None:
    """The status an event names, when it may be shown to the viewer (for a boost, the
    boosted post too); None otherwise."""
    found = await state.store.statuses.get(status_id)
    if found is None or not await _shown(state, viewer, found):
        return None
    if found.reblog_of_id:
        original = await state.store.statuses.get(found.reblog_of_id)
        if original is None or not await _shown(state, viewer, original):
            return None
    return found


async def notification(state: State, viewer: Account, notification_id: str) -> Notification | None:
    """The viewer's own notification an event names, unless the viewer mutes the notifications
    of the account it comes from; None otherwise."""
    found = await state.store.notifications.get(notification_id)
    if found is None or found.account_id != viewer.id:
        return None
    mute = await state.store.mutes.get(viewer.id, found.from_account_id)
    if mute is not None and mute["notifications"]:
        return None
    return found


async def conversation(state: State, viewer: Account, status_id: str) -> Conversation | None:
    """The viewer's conversation a direct status arrived in, when that status may be shown to
    the viewer; None otherwise."""
    found = await state.store.statuses.get(status_id)
    if found is None or not await _shown(state, viewer, found):
        return None
    return await conversations.find(state, viewer, status_id)
