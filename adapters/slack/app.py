"""The Slack adapter: a slack-bolt AsyncApp that hands events to the core and sends replies as Block Kit.

Socket Mode (the default: no public URL needed) connects out over a websocket with the app token. HTTP mode serves
Events API, interactivity and slash commands at ``/slack/events``, checked by :mod:`adapters.slack.http` before bolt
sees them. Every event is acknowledged first; retried deliveries are dropped by their ``event_id``, recorded in the
database so replicas agree. Each :meth:`SlackService.run` builds its web app or Socket Mode client afresh, so a
restart after a failure starts clean, and :meth:`SlackService.stop` returns promptly whatever the state.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, TypeVar

from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from adapters.health import HealthServer
from adapters.slack.http import MAX_BODY_BYTES, SignedEndpoint
from adapters.slack.send import MAX_FILE_BYTES, OPEN_FORM_ACTION, Sender, call_api, decode_form
from adapters.slack.translate import (
    COMMANDS,
    MAX_VIEW_BLOCKS,
    action_to_core,
    event_to_core,
    reply_blocks,
    slash_to_core,
    view_to_core,
)
from bot.errors import DeliveryError
from bot.events import Action, Event, FormSubmission, Message, Origin, Reply
from storage import Database
from storage.events import claim_event

__all__ = ["SlackAdapter", "SlackService"]

log = logging.getLogger(__name__)

E = TypeVar("E", Message, Action, FormSubmission)
_GROUPS_TTL = 300.0  # seconds between refreshes of Slack user group membership
_STOP_TIMEOUT = 5.0  # seconds a Socket Mode or HTTP shutdown may take before it is abandoned

Handle = Callable[[Event], Awaitable[list[Reply]]]


class SlackAdapter:
    """Slack, over Socket Mode or HTTP.

    Args:
        handle: the core's event handler.
        db: for deduplicating retried events and replayed requests.
        token: the bot token (xoxb-...).
        signing_secret: to verify HTTP requests come from Slack (None in Socket Mode).
        api_url: the Web API base URL (Slack's by default; a proxy or a test stand-in otherwise).
        role_groups: Slack user group handles that settings map to roles; members get them as platform roles.
        team_id: the workspace whose user groups count for roles; users of any other workspace get none.
        health: answers whether the bot is healthy, served at ``/healthz`` in HTTP mode.
        metrics: the Prometheus exposition, served at ``/metrics`` in HTTP mode.
        max_file_bytes: the largest file uploaded (Slack's limit, 1 GB, by default).
    """

    name = "slack"

    def __init__(
        self,
        handle: Handle,
        db: Database,
        token: str,
        signing_secret: str | None,
        api_url: str | None = None,
        role_groups: frozenset[str] = frozenset(),
        health: Callable[[], Awaitable[bool]] | None = None,
        metrics: Callable[[], bytes] | None = None,
        *,
        team_id: str | None = None,
        max_file_bytes: int = MAX_FILE_BYTES,
    ) -> None:
        self._handle = handle
        self._db = db
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
        self.app = AsyncApp(
            client=self.client, signing_secret=signing_secret or "unused", request_verification_enabled=False
        )
        self._socket: AsyncSocketModeHandler | None = None
        self._runner: web.AppRunner | None = None
        self._bot_user: str | None = None
        self._team_id = team_id
        self._role_groups = {g.casefold() for g in role_groups}
        self._group_members: dict[str, frozenset[str]] = {}
        self._groups_loaded_at = 0.0
        self.app.event("app_mention")(self._on_event)
        self.app.event("message")(self._on_event)
        self.app.event("app_home_opened")(self._on_home)
        for command in COMMANDS:
            self.app.command(command)(self._on_command)
        self.app.action(OPEN_FORM_ACTION)(self._on_open_form)
        self.app.action(re.compile(".*"))(self._on_action)
        self.app.view(re.compile(".*"))(self._on_view)

    def web_app(self) -> web.Application:
        """A new aiohttp application serving ``/slack/events`` (and ``/healthz``, ``/metrics`` when given)."""
        if not self._signing_secret:
            raise ValueError("HTTP mode needs the signing secret")
        application = web.Application(client_max_size=MAX_BODY_BYTES)
        endpoint = SignedEndpoint(self.app, self._signing_secret, self._claim)
        application.router.add_post("/slack/events", endpoint.handle)
        if self._health is not None and self._metrics is not None:
            HealthServer(self._health, self._metrics, port=0).add_routes(application)
        return application

    async def _claim(self, key: str) -> bool:
        return await claim_event(self._db, key, datetime.now(UTC))

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
        self._socket = AsyncSocketModeHandler(self.app, app_token)
        await self._socket.connect_async()  # type: ignore[no-untyped-call]

    async def stop(self) -> None:
        """Stop serving and disconnect, within a few seconds whatever the state."""
        runner, self._runner = self._runner, None
        socket, self._socket = self._socket, None
        if runner is not None:
            await _bounded(runner.cleanup(), "HTTP server")
        if socket is not None:
            await _bounded(socket.close_async(), "Socket Mode client")  # type: ignore[no-untyped-call]

    async def _bot_user_id(self) -> str | None:
        if self._bot_user is None:
            auth = await self.client.auth_test()
            self._bot_user = auth.get("user_id")
        return self._bot_user

    async def _with_groups(self, event: E, team: str | None) -> E:
        """Add the user's mapped Slack user groups to the event's platform roles (looked up at most every 5 min).

        With a configured workspace, a user from any other workspace (a shared channel, an org-wide install) gets
        no role from a user group.
        """
        if not self._role_groups or (self._team_id is not None and team != self._team_id):
            return event
        if time.monotonic() - self._groups_loaded_at > _GROUPS_TTL:
            try:
                await self._load_groups()
            except DeliveryError as exc:
                # Fail closed: without the lookup nobody gets a role from a user group, and the event still runs.
                log.warning("could not list Slack user groups for roles: %s", exc.code)
                return event
        handles = self._group_members.get(event.origin.user, frozenset())
        return replace(event, origin=replace(event.origin, platform_roles=event.origin.platform_roles | handles))

    async def _load_groups(self) -> None:
        kwargs: dict[str, Any] = {"include_users": True}
        if self._team_id is not None:
            kwargs["team_id"] = self._team_id
        listed = await call_api(self.client.usergroups_list(**kwargs))
        members: dict[str, set[str]] = {}
        groups: list[dict[str, Any]] = listed.get("usergroups") or []
        for group in groups:
            if self._team_id is not None and group.get("team_id", self._team_id) != self._team_id:
                continue
            if str(group.get("handle", "")).casefold() in self._role_groups:
                for user in group.get("users", []):
                    members.setdefault(user, set()).add(group["handle"])
        self._group_members = {user: frozenset(handles) for user, handles in members.items()}
        self._groups_loaded_at = time.monotonic()

    async def _on_event(self, body: dict[str, Any], ack: AsyncAck) -> None:
        await ack()
        event_id = body.get("event_id")
        if event_id and not await claim_event(self._db, f"slack:{event_id}", datetime.now(UTC)):
            log.info("dropped a repeated delivery of Slack event %s", event_id)
            return
        message = event_to_core(body, await self._bot_user_id())
        if message is None:
            return
        event = body.get("event", {})
        message = await self._with_groups(message, event.get("user_team") or body.get("team_id"))
        await self._deliver(message.origin, await self._handle(message), trigger_id=None)

    async def _on_home(self, body: dict[str, Any], ack: AsyncAck) -> None:
        """The App Home tab: the user's groups and next check-ins, then what they can do."""
        await ack()
        event = body.get("event", {})
        if event.get("tab") not in (None, "home") or not event.get("user"):
            return
        origin = Origin("slack", event.get("channel") or event["user"], event["user"], is_dm=True)
        blocks: list[dict[str, Any]] = []
        for text in ("checkin mine", "help"):
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
        user_team = (body.get("user") or {}).get("team_id") or (body.get("team") or {}).get("id")
        submission = await self._with_groups(view_to_core(body), user_team)
        replies = await self._handle(submission)
        errors = {name: msg for r in replies for name, msg in r.form_errors}
        if errors:
            await ack(response_action="errors", errors=errors)  # shown under each field in the modal
            return
        await ack()
        await self._deliver(submission.origin, replies, trigger_id=None)

    async def _deliver(self, origin: Origin, replies: list[Reply], trigger_id: str | None) -> None:
        for reply in replies:
            await self.sender.deliver(origin, reply, trigger_id)

    async def post(self, reply: Reply) -> None:
        """Send a message nobody's event asked for (scheduled check-ins, reminders, staff notices).

        Raises:
            DeliveryError: Slack refused it (``permanent`` for errors a retry cannot fix) or could not be reached.
        """
        if reply.platform not in (None, "slack") or (reply.channel is None and reply.user is None):
            return
        await self.sender.send(Origin("slack", reply.channel or "", reply.user or ""), reply)

    async def send(self, origin: Origin, reply: Reply, trigger_id: str | None = None) -> None:
        """Post one reply (see :meth:`adapters.slack.send.Sender.send`)."""
        await self.sender.send(origin, reply, trigger_id)


async def _bounded(closing: Awaitable[Any], what: str) -> None:
    """Await a shutdown step, giving up after a few seconds so stop() always returns."""
    try:
        await asyncio.wait_for(closing, _STOP_TIMEOUT)
    except TimeoutError:
        log.warning("%s did not close within %.0f s; abandoned", what, _STOP_TIMEOUT)


class SlackService:
    """The Slack adapter as a service the runtime supervises: Socket Mode, or HTTP mode on ``port``."""

    name = "slack"

    def __init__(self, adapter: SlackAdapter, *, app_token: str | None = None, port: int | None = None) -> None:
        if (app_token is None) == (port is None):
            raise ValueError("give an app token (Socket Mode) or a port (HTTP mode)")
        self.adapter = adapter
        self._app_token = app_token
        self._port = port
        self._stopped = asyncio.Event()

    async def run(self) -> None:
        """Connect (or listen) and serve until :meth:`stop`; a stop while connecting returns at once."""
        self._stopped.clear()
        starting = asyncio.ensure_future(self._start())
        stopping = asyncio.ensure_future(self._stopped.wait())
        try:
            await asyncio.wait({starting, stopping}, return_when=asyncio.FIRST_COMPLETED)
            if starting.done():
                starting.result()  # raises if the start failed: the runtime restarts us with backoff
                await stopping
        finally:
            stopping.cancel()
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

    async def stop(self) -> None:
        """Stop serving."""
        self._stopped.set()

    async def post(self, reply: Reply) -> None:
        """Send a scheduled message."""
        await self.adapter.post(reply)
