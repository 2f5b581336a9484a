"""The buttons on a post, as plain form posts: like, boost, bookmark and pin, and undoing
each. A boost's id stands for the boosted post, as in the client API. Afterwards the browser
goes back to where it was."""

from __future__ import annotations

from aiohttp import web

from fedi.appkeys import STATE
from fedi.services import personal, pins
from fedi.services import statuses as svc
from fedi.web import security, views
from fedi.web.render import page, redirect


ACTIONS = {
    "favourite": svc.favourite, "unfavourite": svc.unfavourite,
    "reblog": svc.reblog, "unreblog": svc.unreblog,
    "bookmark": personal.bookmark, "unbookmark": personal.unbookmark,
    "pin": pins.pin, "unpin": pins.unpin,
}
NOTICES = {"reblog": "Boosted.", "unreblog": "Boost undone.", "pin": "Pinned to your profile.",
           "unpin": "Unpinned."}


@page
async def act(request: web.Request) -> web.Response:
    state = request.app[STATE]
    status_id, action = request.match_info["id"], request.match_info["action"]
    me = await views.signed_in(request, views.back(request, None, f"/statuses/{status_id}"))
    form = await security.checked_form(request)
    st = await views.visible_status(state, status_id, me)
    await ACTIONS[action](state, me, st)
    return redirect(request, views.back(request, form, f"/statuses/{st.id}"), NOTICES.get(action, ""))


def setup(app: web.Application) -> None:
    app.router.add_post(r"/statuses/{id:\d+}/{action:%s}" % "|".join(ACTIONS), act)
