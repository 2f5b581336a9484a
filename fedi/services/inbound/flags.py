"""Flag from peers: reports about local accounts, for this instance's moderators.

As Mastodon reads them: `object` lists the reported accounts and statuses (usually one
account, then some of its statuses), `content` is the comment. Only local accounts that are
not suspended are reported; only local statuses of the reported account are attached;
anything else in `object` is left out. The sender is the Flag's actor (usually its server's
instance actor), already checked at intake to be on the sending host.
"""

from __future__ import annotations

from fedi.activitypub.audience import as_list
from fedi.activitypub.parse import id_of
from fedi.models import Account, Status
from fedi.services import reports
from fedi.services.inbound.common import Ignored, local_account
from fedi.services.state import State

MAX_OBJECTS = 100


async def on_flag(state: State, activity: dict, actor: Account) -> None:
    uris = [u for u in (id_of(o) for o in as_list(activity.get("object"))[:MAX_OBJECTS]) if u]
    targets: dict[str, Account] = {}
    statuses: list[Status] = []
    for uri in uris:
        if not state.urls.is_local(uri):
            continue
        account = await local_account(state, uri)
        if account is not None:
            targets[account.id] = account
            continue
        status = await state.store.statuses.by_uri(uri)
        if status is not None and status.local:
            statuses.append(status)
    if not targets:
        raise Ignored("Flag names no local account")
    comment = activity.get("content") if isinstance(activity.get("content"), str) else ""
    for target in targets.values():
        attached = list(dict.fromkeys(st.id for st in statuses if st.account_id == target.id))
        await reports.receive(state, actor, target, attached, comment, id_of(activity))
