"""The `push` queue's worker: encrypt a queued alert and post it to the push service."""

from __future__ import annotations

from fedi import webpush
from fedi.federation.client import FetchError, HttpClient, RefusedAddress, parse_retry_after
from fedi.jobs.backoff import Permanent, Retry
from fedi.models import Job
from fedi.services import push
from fedi.services.state import State


def make_handler(state: State, http: HttpClient):
    subject = push.vapid_subject(state)

    async def send(job: Job) -> None:
        found = await push.alert(state, job.payload)
        if found is None:
            return
        sub, body = found
        try:
            message = webpush.encrypt(body, p256dh=sub["p256dh"], auth=sub["auth"],
                                      vapid_pem=state.vapid_private_key, endpoint=sub["endpoint"],
                                      subject=subject, standard=sub["standard"])
        except Exception as exc:  # noqa: BLE001 - keys or endpoint unusable: no retry can help
            await push.drop_unreachable(state, sub["id"])
            raise Permanent(f"subscription {sub['id']} removed, it cannot be pushed to: {exc}") from None
        try:
            response = await http.request("POST", sub["endpoint"], headers=message.headers, body=message.body)
        except RefusedAddress as exc:
            raise Permanent(str(exc)) from None
        except FetchError as exc:
            raise Retry(str(exc)) from None
        if response.status in (404, 410):  # the push service forgot the subscription
            await push.drop_unreachable(state, sub["id"])
        elif response.status == 429 or response.status >= 500:
            raise Retry(f"push service answered {response.status}",
                        after=parse_retry_after(response.headers.get("Retry-After")))
        elif response.status >= 300:
            raise Permanent(f"push service answered {response.status}")

    return send
