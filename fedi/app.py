"""create_app(config): the aiohttp application with its resources and workers."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import logging
from pathlib import Path

import jinja2
from aiohttp import web

from fedi import SOFTWARE_NAME, __version__, ids
from fedi.activitypub.verifier import SignatureVerifier
from fedi.appkeys import DELIVERER, DEREF, HTTP, RUNNER, SCHEMES, STATE, TEMPLATES, VERIFIER
from fedi.config import Config
from fedi.edge.limits import LIMITS, Limits
from fedi.edge.middleware import edge_middleware, quiet_client_errors
from fedi.federation import actors, discovery, outbox, push_delivery
from fedi.federation.client import HttpClient
from fedi.federation.delivery import Deliverer
from fedi.federation.dereference import Dereferencer
from fedi.federation.schemes import SchemeMemory
from fedi.federation.inbox import INBOX_QUEUE, make_handler
from fedi.jobs.runner import QueueSpec, Runner
from fedi.services import fanout, instance_settings, link_verification, media, poll_lifecycle, push, scheduled
from fedi.services.accounts import ensure_instance_keys
from fedi.services.inbound import intake
from fedi.services.errors import ServiceError
from fedi.services.events import JOBS_STREAM, RelayedEvents, wake_runner_on_jobs
from fedi.services.fanout import DELIVER_QUEUE
from fedi.services.memory import SharedWindows
from fedi.services.state import State
from fedi.storage.interfaces import open_store
from fedi.urls import Urls
from fedi.api import routes as api_routes
from fedi.api.http import cors_middleware
from fedi.api.ratelimit import rate_limit_middleware
from fedi.web import routes as web_routes
from fedi.web.render import error_page, wants_html
from fedi.web.security import headers_middleware

log = logging.getLogger(__name__)
TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates"


def _json_error(status: int, message: str) -> web.Response:
    return web.Response(text=json.dumps({"error": message}), status=status, content_type="application/json")


@web.middleware
async def errors_middleware(request: web.Request, handler):
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status in (404, 405) and wants_html(request):
            return await error_page(request, exc.status, "There is nothing at this address.")
        if 400 <= exc.status < 500 and wants_html(request):
            return await error_page(request, exc.status, _message(exc))
        if exc.status >= 400 and exc.content_type != "application/json" and not exc.text.startswith("{"):
            return _json_error(exc.status, exc.reason if exc.text.startswith(f"{exc.status}:") else exc.text)
        raise
    except ServiceError as exc:
        return _json_error(exc.status, exc.message)
    except Exception:  # noqa: BLE001 - never leak a traceback to a peer or client
        log.exception("unhandled error on %s %s", request.method, request.path)
        if wants_html(request):
            try:
                return await error_page(request, 500, "Something went wrong on our side; it has been logged.")
            except Exception:  # noqa: BLE001 - the page itself failed: fall back to plain JSON
                log.exception("the error page failed too")
        return _json_error(500, "internal server error")


def _message(exc: web.HTTPException) -> str:
    """The short message of an error raised with a JSON or plain text body."""
    if exc.content_type == "application/json":
        try:
            return str(json.loads(exc.text).get("error") or exc.reason)
        except (ValueError, AttributeError):
            return exc.reason
    return exc.reason if not exc.text or exc.text.startswith(f"{exc.status}:") else exc.text


def limits(config: Config) -> Limits:
    server = config.server
    return Limits(server.header_timeout, server.body_timeout, server.body_min_rate)


def server_settings(config: Config) -> dict:
    """Settings of the HTTP server itself (slow-client limits), for run_app or a test server."""
    return limits(config).server_settings()


# Allocations (less deallocations) of tracked objects between two young collections. At
# Python's default of 700, the objects of the requests in flight are promoted at almost every
# collection and a full collection, which walks every kept record and cache, comes every few
# hundred requests: pauses of 30-80 ms for every request waiting at the time.
GC_YOUNG_THRESHOLD = 20_000


def tune_collector() -> None:
    """For a long-running server process, once it has loaded its code: what exists now is
    kept out of every later collection (gc.freeze), and young collections come less often."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_THRESHOLD, middle, old)


def user_agent(config: Config) -> str:
    contact = config.federation.user_agent_contact
    return f"{SOFTWARE_NAME}/{__version__} (+{config.base_url}{'; ' + contact if contact else ''})"


def template_env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR)),
        autoescape=True, trim_blocks=True, lstrip_blocks=True,
    )


def create_app(config: Config, *, resolver=None, run_workers: bool = True,
               poll_interval: float = 1.0) -> web.Application:
    """Build the application. `resolver` overrides DNS for outgoing requests (tests)."""
    quiet_client_errors()
    app = web.Application(middlewares=[headers_middleware, cors_middleware, errors_middleware,
                                       edge_middleware, rate_limit_middleware],
                          client_max_size=16 * 1024 * 1024)
    app[LIMITS] = limits(config)
    app[TEMPLATES] = template_env()
    app.cleanup_ctx.append(_resources(config, resolver, run_workers, poll_interval))
    discovery.setup(app)
    actors.setup(app)
    outbox.setup(app)
    api_routes.setup(app)
    web_routes.setup(app)
    return app


def create_worker_app(config: Config, *, resolver=None, poll_interval: float = 1.0) -> web.Application:
    """A worker process: the job queues, and GET /health (the process is up and its database
    answers) for a supervisor, served only when the worker is given a port."""
    app = web.Application()
    app.cleanup_ctx.append(_resources(config, resolver, True, poll_interval))

    async def health(request: web.Request) -> web.Response:
        depth = await request.app[STATE].store.jobs.due()
        return web.json_response({"status": "ok", "role": "worker", "due_jobs": depth})

    app.router.add_get("/health", health)
    return app


def _waker(state: State, runner: Runner | None):
    """What a service calls once jobs are queued: this process's runner, if it runs jobs, and
    with several processes on one database, every other process's too."""
    def wake(queue: str) -> None:
        if runner is not None:
            runner.wake(queue)
        if isinstance(state.events, RelayedEvents):
            state.events.publish(JOBS_STREAM, "due", {"queue": queue})
    return wake


def _install_node(node: int | None) -> None:
    """Make ids with this process's node number; with none held (the database connection that
    holds it was lost), with random low bits until it is held again."""
    ids.install(ids.IdGenerator(node=node))


async def _catch_up(state: State, runner: Runner | None) -> None:
    """After the connection that hears other processes was lost: settings and domain lists
    may have changed, and jobs may have been queued, meanwhile."""
    await instance_settings.load(state)
    if runner is not None:
        runner.wake()


def _resources(config: Config, resolver, run_workers: bool, poll_interval: float):
    """The process's state, HTTP client and job runner, for the lifetime of an app."""

    async def resources(app: web.Application):
        store = await open_store(config.database_target, pool_size=config.database.pool_size)
        state = State(config=config, store=store, urls=Urls(config.base_url, config.instance.aliases))
        if store.signals is not None:  # several processes may share this database
            state.events = RelayedEvents(store.signals)
            await state.events.start()
            if await store.signals.claim_node(ids.MAX_NODES, _install_node) is None:
                log.warning("all %d id node numbers are taken: ids rely on chance to differ", ids.MAX_NODES)
            else:
                _install_node(store.signals.node)
        await ensure_instance_keys(state)
        await instance_settings.load(state)
        await push.ensure_vapid_key(state)
        http = HttpClient(
            user_agent=user_agent(config),
            allow_private_addresses=config.federation.allow_private_addresses,
            resolver=resolver, timeout=config.delivery.timeout,
        )
        await http.start()
        schemes = SchemeMemory(state)
        deref = Dereferencer(state, http, schemes)
        state.resolver = deref
        deliverer = Deliverer(state, http, schemes)
        runner = Runner(store, [
            QueueSpec(INBOX_QUEUE, make_handler(state), concurrency=32, batch=64, lease=60.0,
                      max_attempts=8),
            QueueSpec(scheduled.QUEUE, scheduled.make_handler(state), concurrency=4, batch=16, lease=60.0,
                      max_attempts=3),
            QueueSpec(poll_lifecycle.UPDATE_QUEUE, poll_lifecycle.make_update_handler(state), concurrency=4,
                      batch=16, lease=60.0, max_attempts=3),
            QueueSpec(poll_lifecycle.END_QUEUE, poll_lifecycle.make_end_handler(state), concurrency=4,
                      batch=16, lease=60.0, max_attempts=3),
            QueueSpec(link_verification.QUEUE, link_verification.make_handler(state), concurrency=2, batch=8,
                      lease=60.0, max_attempts=2),
            QueueSpec(push.QUEUE, push_delivery.make_handler(state, http), concurrency=16, batch=64, lease=60.0,
                      max_attempts=5),
            QueueSpec(DELIVER_QUEUE, deliverer.handle, concurrency=config.delivery.workers, batch=256,
                      lease=max(30.0, 3 * config.delivery.timeout), max_attempts=config.delivery.max_attempts),
        ], poll_interval=poll_interval)
        state.wake = _waker(state, runner if run_workers else None)
        runner.chores.append(lambda: media.cleanup(state))
        runner.chores.append(lambda: link_verification.recheck_linked(state))
        runner.chores.append(lambda: intake.forget_expired_signatures(state))
        runner.chores.append(lambda: fanout.purge_delivered(state))
        if hasattr(state.idempotency, "purge"):
            runner.chores.append(state.idempotency.purge)
        state.api_requests = SharedWindows(store)
        runner.chores.append(state.api_requests.purge)
        app[STATE], app[HTTP], app[DEREF], app[DELIVERER], app[RUNNER] = state, http, deref, deliverer, runner
        app[SCHEMES] = schemes
        app[VERIFIER] = SignatureVerifier(deref.keys)
        if run_workers:
            await runner.start()
        followers = [asyncio.ensure_future(instance_settings.follow_changes(state)),
                     asyncio.ensure_future(state.api_requests.run())]
        if run_workers and isinstance(state.events, RelayedEvents):
            followers.append(asyncio.ensure_future(wake_runner_on_jobs(state.events, runner.wake)))
        if store.signals is not None:  # what other processes announced while this one was cut off
            store.signals.on_reconnect(lambda: _catch_up(state, runner if run_workers else None))
        try:
            yield
        finally:
            for task in followers:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await runner.stop()
            await http.close()
            if isinstance(state.events, RelayedEvents):
                await state.events.drain()
            await store.close()

    return resources
