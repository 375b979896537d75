"""The Slack adapter: a slack-bolt AsyncApp that hands events to the core and sends replies as Block Kit.

Socket Mode (the default: no public URL needed) connects out over a websocket with the app token. HTTP mode serves
Events API, interactivity and slash commands at ``/slack/events``, checked by :mod:`adapters.slack.http` before bolt
sees them. Every event is acknowledged first and carries its ``event_id`` (or, for a slash command, button or modal,
its ``trigger_id``) as the core's delivery id: the core drops a retried or replayed delivery (see
:class:`bot.dispatcher.Dispatcher`), and replies go where :func:`bot.routing.route` says. A modal submission is
acknowledged with the core's answer when it comes within two seconds, and otherwise closed at once with the answer
sent privately afterwards, inside Slack's three. Each :meth:`SlackService.run` builds its web app or Socket Mode
client afresh, so a restart after a failure starts clean, and :meth:`SlackService.stop` returns promptly whatever
the state.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from typing import Any, TypeVar

from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from adapters.health import HealthServer
from adapters.slack.groups import UserGroups
from adapters.slack.http import MAX_BODY_BYTES, SignedEndpoint
from adapters.slack.reactions import reacted_thread
from adapters.slack.send import MAX_FILE_BYTES, OPEN_FORM_ACTION, Sender, call_api, decode_form
from adapters.slack.translate import (
    MAX_VIEW_BLOCKS,
    action_to_core,
    event_to_core,
    reaction_to_core,
    reply_blocks,
    slash_to_core,
    view_to_core,
)
from bot.adapter import Delivery
from bot.errors import DeliveryError
from bot.events import Action, Event, FormSubmission, Message, Origin, Reply
from bot.routing import ANY_PLATFORM, Channels, route
from bot.service import HealthReport

__all__ = ["SlackAdapter", "SlackService"]

log = logging.getLogger(__name__)

E = TypeVar("E", Message, Action, FormSubmission)
_STOP_TIMEOUT = 5.0  # seconds a Socket Mode or HTTP shutdown may take before it is abandoned
_NO_CHANNELS = Channels({})  # the core has mapped logical channels already
# Slack shows an error in a modal not acknowledged within 3 s; the core gets this long to answer in the modal.
FORM_ACK_SECONDS = 2.0

Handle = Callable[[Event], Awaitable[list[Reply]]]


class SlackAdapter:
    """Slack, over Socket Mode or HTTP.

    Args:
        handle: the core's event handler.
        token: the bot token (xoxb-...).
        signing_secret: to verify HTTP requests come from Slack (None in Socket Mode).
        api_url: the Web API base URL (Slack's by default; a proxy or a test stand-in otherwise).
        role_groups: Slack user group handles that settings map to roles; members get them as platform roles.
        team_id: the workspace whose user groups count for roles; users of any other workspace get none.
        health: the health report (or just whether the bot is healthy), served at ``/healthz`` in HTTP mode as
            :class:`adapters.health.HealthServer` serves it.
        metrics: the Prometheus exposition, served at ``/metrics`` in HTTP mode.
        max_file_bytes: the largest file uploaded (Slack's limit, 1 GB, by default).
        ping_interval: seconds between Socket Mode pings; also how soon a lost connection is retried.
        form_ack_seconds: how long a modal submission waits for the core before the modal is closed anyway.
        home: the core commands whose replies make up the App Home tab, in order.
        watched: the help channels whose every new message goes to the core (``message.channels`` events); in
            other channels only thread replies do (the bot may follow the thread).
    """

    name = "slack"

    def __init__(
        self,
        handle: Handle,
        token: str,
        signing_secret: str | None,
        api_url: str | None = None,
        role_groups: frozenset[str] = frozenset(),
        health: Callable[[], Awaitable[bool | HealthReport]] | None = None,
        metrics: Callable[[], bytes] | None = None,
        *,
        team_id: str | None = None,
        max_file_bytes: int = MAX_FILE_BYTES,
        ping_interval: float = 10.0,
        form_ack_seconds: float = FORM_ACK_SECONDS,
        home: Sequence[str] = ("help",),
        watched: frozenset[str] = frozenset(),
    ) -> None:
        self._handle = handle
        self._watched = watched
        self._home = tuple(home)
        self._health = health
        self._metrics = metrics
        self._signing_secret = signing_secret
        self.client = AsyncWebClient(
            token=token,
            base_url=api_url or AsyncWebClient.BASE_URL,
            retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=2)],
        )
        self.sender = Sender(self.client, max_file_bytes=max_file_bytes)
        # Signatures are checked by SignedEndpoint before bolt parses anything; Socket Mode has none to check.
        # The one self-filter is event_to_core's (bolt's own is off), and the bot's user id is bolt's, from the
        # auth.test its authorization makes once: a mention is acknowledged, filtered and looked up once each.
        self.app = AsyncApp(
            client=self.client,
            signing_secret=signing_secret or "unused",
            request_verification_enabled=False,
            ignoring_self_events_enabled=False,
        )
        self._socket: AsyncSocketModeHandler | None = None
        self._runner: web.AppRunner | None = None
        self._bot_user: str | None = None
        self._team_id = team_id
        self._groups = UserGroups(self.client, role_groups, team_id)
        self._ping_interval = ping_interval
        self._form_ack_seconds = form_ack_seconds
        self.app.event("app_mention")(self._on_event)
        self.app.event("message")(self._on_event)
        self.app.event("app_home_opened")(self._on_home)
        self.app.event("reaction_added")(self._on_reaction)
        self.app.command(re.compile("^/"))(self._on_command)
        self.app.action(OPEN_FORM_ACTION)(self._on_open_form)
        self.app.action(re.compile(".*"))(self._on_action)
        self.app.view(re.compile(".*"))(self._on_view)

    def web_app(self) -> web.Application:
        """A new aiohttp application serving ``/slack/events`` (and ``/healthz``, ``/metrics`` when given)."""
        if not self._signing_secret:
            raise ValueError("HTTP mode needs the signing secret")
        application = web.Application(client_max_size=MAX_BODY_BYTES)
        endpoint = SignedEndpoint(self.app, self._signing_secret)
        application.router.add_post("/slack/events", endpoint.handle)
        if self._health is not None and self._metrics is not None:
            HealthServer(self._health, self._metrics, port=0).add_routes(application)
        return application

    async def start(self, host: str = "0.0.0.0", port: int = 3000) -> int:
        """Serve HTTP mode on a freshly built web app; returns the port (useful with port 0)."""
        runner = web.AppRunner(self.web_app(), shutdown_timeout=1.0)
        await runner.setup()
        try:
            site = web.TCPSite(runner, host, port)
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        addresses = runner.addresses
        return int(addresses[0][1]) if addresses else port

    async def start_socket_mode(self, app_token: str) -> None:
        """Connect over Socket Mode with a new handler and client; bolt acknowledges each envelope and reconnects."""
        self._socket = AsyncSocketModeHandler(self.app, app_token, ping_interval=self._ping_interval)
        await self._socket.connect_async()  # type: ignore[no-untyped-call]

    async def connected(self) -> bool:
        """Whether the Socket Mode websocket is open and answering pings."""
        socket = self._socket
        return socket is not None and bool(await socket.client.is_connected())

    async def stop(self) -> None:
        """Stop serving and disconnect, within a few seconds whatever the state."""
        runner, self._runner = self._runner, None
        socket, self._socket = self._socket, None
        if runner is not None:
            await _bounded(runner.cleanup(), "HTTP server")
        if socket is not None:
            await _bounded(socket.close_async(), "Socket Mode client")  # type: ignore[no-untyped-call]

    async def _with_groups(self, event: E, team: str | None) -> E:
        """Add the user's mapped Slack user groups to the event's platform roles (see :class:`UserGroups`).

        With a configured workspace, a user from any other workspace (a shared channel, an org-wide install) gets
        no role from a user group.
        """
        if not self._groups or (self._team_id is not None and team != self._team_id):
            return event
        handles = await self._groups.of(event.origin.user)
        return replace(event, origin=replace(event.origin, platform_roles=event.origin.platform_roles | handles))

    async def _on_event(self, body: dict[str, Any], ack: AsyncAck, context: AsyncBoltContext) -> None:
        await ack()
        message = event_to_core(body, context.bot_user_id, self._watched)
        if message is None:
            return
        event = body.get("event", {})
        message = await self._with_groups(message, event.get("user_team") or body.get("team_id"))
        await self._deliver(message.origin, await self._handle(message), trigger_id=None)

    async def _on_reaction(self, body: dict[str, Any], ack: AsyncAck, context: AsyncBoltContext) -> None:
        """A ✅ on a message: to the core with the thread it is in (Slack's event names only the message)."""
        await ack()
        thread = await reacted_thread(self.client, body.get("event", {}))
        if thread is not None:
            action = await self._with_groups(reaction_to_core(body, context.bot_user_id, thread), body.get("team_id"))
            await self._deliver(action.origin, await self._handle(action), trigger_id=None)

    async def _on_home(self, body: dict[str, Any], ack: AsyncAck) -> None:
        """The App Home tab: the user's groups and next check-ins, then what they can do."""
        await ack()
        event = body.get("event", {})
        if event.get("tab") not in (None, "home") or not event.get("user"):
            return
        origin = Origin("slack", event.get("channel") or event["user"], event["user"], is_dm=True)
        blocks: list[dict[str, Any]] = []
        for text in self._home:
            for reply in await self._handle(Message(origin, text)):
                blocks += [b.to_dict() for b in reply_blocks(replace(reply, buttons=()))]
        view = {"type": "home", "blocks": blocks[:MAX_VIEW_BLOCKS]}
        try:
            await call_api(self.client.views_publish(user_id=event["user"], view=view))
        except DeliveryError as exc:
            log.warning("Slack refused the Home tab: %s", exc.code)

    async def _on_command(self, body: dict[str, Any], ack: AsyncAck) -> None:
        await ack()
        message = await self._with_groups(slash_to_core(body), body.get("team_id"))
        await self._deliver(message.origin, await self._handle(message), trigger_id=body.get("trigger_id"))

    async def _on_open_form(self, body: dict[str, Any], ack: AsyncAck) -> None:
        """The "Open the form" button of a form started in public: the modal opens for whoever pressed it."""
        await ack()
        decoded = decode_form(str(body["actions"][0].get("value", "")))
        if decoded is None or not body.get("trigger_id"):
            return
        form, channel = decoded
        try:
            await self.sender.open_form(body["trigger_id"], form, channel)
        except DeliveryError as exc:
            log.warning("Slack refused to open a modal: %s", exc.code)

    async def _on_action(self, body: dict[str, Any], ack: AsyncAck) -> None:
        await ack()
        user_team = (body.get("user") or {}).get("team_id") or (body.get("team") or {}).get("id")
        action = await self._with_groups(action_to_core(body), user_team)
        await self._deliver(action.origin, await self._handle(action), trigger_id=body.get("trigger_id"))

    async def _on_view(self, body: dict[str, Any], ack: AsyncAck) -> None:
        """A modal submitted: field errors are shown in the modal if the core answers in time; else it closes."""
        user_team = (body.get("user") or {}).get("team_id") or (body.get("team") or {}).get("id")
        submission = view_to_core(body)
        work = asyncio.ensure_future(self._handle_with_groups(submission, user_team))  # the lookup counts too
        try:
            replies = await asyncio.wait_for(asyncio.shield(work), self._form_ack_seconds)
        except TimeoutError:
            # Closed now, or Slack shows a connection error though the form goes through; every answer (field
            # errors included) then comes as a private message.
            await ack()
            log.info("the core took over %.1f s on a Slack form; answering it privately", self._form_ack_seconds)
            await self._deliver(submission.origin, await work, trigger_id=None)
            return
        errors = {name: msg for r in replies for name, msg in r.form_errors}
        if errors:
            await ack(response_action="errors", errors=errors)  # shown under each field in the modal
            return
        await ack()
        await self._deliver(submission.origin, replies, trigger_id=None)

    async def _handle_with_groups(self, event: E, team: str | None) -> list[Reply]:
        return await self._handle(await self._with_groups(event, team))

    async def _deliver(self, origin: Origin, replies: list[Reply], trigger_id: str | None) -> None:
        for reply in replies:
            for delivery in route(origin, reply, _NO_CHANNELS):
                await self.sender.deliver(origin, delivery, trigger_id)

    async def send(self, delivery: Delivery) -> None:
        """Send a message nobody's event asked for (scheduled check-ins, reminders, staff notices).

        Raises:
            DeliveryError: Slack refused it (``permanent`` for errors a retry cannot fix) or could not be reached.
        """
        if delivery.target.platform not in (self.name, ANY_PLATFORM):
            return
        await self.sender.send(delivery)


async def _bounded(closing: Awaitable[Any], what: str) -> None:
    """Await a shutdown step, giving up after a few seconds so stop() always returns."""
    try:
        await asyncio.wait_for(closing, _STOP_TIMEOUT)
    except TimeoutError:
        log.warning("%s did not close within %.0f s; abandoned", what, _STOP_TIMEOUT)


class SlackService:
    """The Slack adapter as a service the runtime supervises: Socket Mode, or HTTP mode on ``port``.

    ``ready`` is set once connected (Socket Mode) or listening (HTTP mode), so supervision marks it up truthfully.
    In Socket Mode, a websocket that stays down longer than ``lost_after`` seconds (the client's own reconnection
    failing) makes :meth:`run` raise :class:`ConnectionError`: the runtime then reports Slack down and starts again
    with a new client, which is up again once it connects.
    """

    name = "slack"

    def __init__(
        self,
        adapter: SlackAdapter,
        *,
        app_token: str | None = None,
        port: int | None = None,
        lost_after: float = 30.0,
    ) -> None:
        if (app_token is None) == (port is None):
            raise ValueError("give an app token (Socket Mode) or a port (HTTP mode)")
        self.adapter = adapter
        self._app_token = app_token
        self._port = port
        self._lost_after = lost_after
        self._stopped = asyncio.Event()
        self.ready = asyncio.Event()

    async def run(self) -> None:
        """Connect (or listen) and serve until :meth:`stop`; a stop while connecting returns at once."""
        self._stopped.clear()
        starting = asyncio.ensure_future(self._start())
        stopping = asyncio.ensure_future(self._stopped.wait())
        watching: asyncio.Future[None] | None = None
        try:
            await asyncio.wait({starting, stopping}, return_when=asyncio.FIRST_COMPLETED)
            if starting.done():
                starting.result()  # raises if the start failed: the runtime restarts us with backoff
                self.ready.set()
                watching = asyncio.ensure_future(self._watch_connection())
                await asyncio.wait({watching, stopping}, return_when=asyncio.FIRST_COMPLETED)
                if watching.done():
                    watching.result()  # raises ConnectionError: the runtime marks us down and restarts us
        finally:
            self.ready.clear()
            stopping.cancel()
            if watching is not None:
                watching.cancel()
            if not starting.done():
                starting.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await starting
            await self.adapter.stop()

    async def _start(self) -> None:
        if self._port is not None:
            port = await self.adapter.start(port=self._port)
            log.info("Slack HTTP mode listening on port %d at /slack/events", port)
        else:
            assert self._app_token is not None
            await self.adapter.start_socket_mode(self._app_token)
            log.info("Slack Socket Mode connected")

    async def _watch_connection(self) -> None:
        """Raise ConnectionError once the Socket Mode websocket has been down for ``lost_after`` (HTTP: never)."""
        if self._app_token is None:
            await asyncio.Event().wait()
        check_every = self._lost_after / 4
        down_since: float | None = None
        while True:
            await asyncio.sleep(check_every)
            if await self.adapter.connected():
                down_since = None
                continue
            now = asyncio.get_running_loop().time()
            down_since = now if down_since is None else down_since
            if now - down_since >= self._lost_after:
                raise ConnectionError(f"Socket Mode connection lost for {self._lost_after:.0f} s")

    async def stop(self) -> None:
        """Stop serving."""
        self._stopped.set()

    async def send(self, delivery: Delivery) -> None:
        """Send a scheduled message."""
        await self.adapter.send(delivery)
