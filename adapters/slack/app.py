"""The Slack adapter: a slack-bolt AsyncApp that hands events to the core and sends replies as Block Kit.

Socket Mode (the default: no public URL needed) connects out over a websocket with the app token. HTTP mode serves
Events API, interactivity and slash commands at ``/slack/events`` with signature checks. Every event is
acknowledged first; retried deliveries are dropped by their ``event_id``, recorded in the database so replicas agree.
"""

from __future__ import annotations

import asyncio
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
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from adapters.health import HealthServer
from adapters.slack.translate import (
    COMMANDS,
    action_to_core,
    event_to_core,
    form_to_view,
    reply_blocks,
    slash_to_core,
    view_to_core,
)
from bot.events import Action, Event, FormSubmission, Message, Origin, Reply, Visibility
from storage import Database
from storage.events import claim_event

__all__ = ["SlackAdapter", "SlackService"]

log = logging.getLogger(__name__)

E = TypeVar("E", Message, Action, FormSubmission)
_GROUPS_TTL = 300.0  # seconds between refreshes of Slack user group membership

Handle = Callable[[Event], Awaitable[list[Reply]]]


class SlackAdapter:
    """Slack, over Socket Mode or HTTP.

    Args:
        handle: the core's event handler.
        db: for deduplicating retried events.
        token: the bot token (xoxb-...).
        signing_secret: to verify HTTP requests come from Slack (None in Socket Mode).
        api_url: the Web API base URL (Slack's by default; a proxy or a test stand-in otherwise).
        role_groups: Slack user group handles that settings map to roles; members get them as platform roles.
        health: answers whether the bot is healthy, served at ``/healthz`` in HTTP mode.
        metrics: the Prometheus exposition, served at ``/metrics`` in HTTP mode.
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
    ) -> None:
        self._handle = handle
        self._db = db
        self._health = health
        self._metrics = metrics
        client = AsyncWebClient(
            token=token,
            base_url=api_url or AsyncWebClient.BASE_URL,
            retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=2)],
        )
        self.client = client
        # Socket Mode has no signatures to check (the websocket is authenticated by the app token).
        self.app = AsyncApp(
            client=client, signing_secret=signing_secret or "unused", request_verification_enabled=bool(signing_secret)
        )
        self._socket: AsyncSocketModeHandler | None = None
        self._bot_user: str | None = None
        self._role_groups = {g.casefold() for g in role_groups}
        self._group_members: dict[str, frozenset[str]] = {}
        self._groups_loaded_at = 0.0
        self._runner: web.AppRunner | None = None
        self.app.event("app_mention")(self._on_event)
        self.app.event("message")(self._on_event)
        self.app.event("app_home_opened")(self._on_home)
        for command in COMMANDS:
            self.app.command(command)(self._on_command)
        self.app.action(re.compile(".*"))(self._on_action)
        self.app.view(re.compile(".*"))(self._on_view)

    def web_app(self) -> web.Application:
        """The aiohttp application serving ``/slack/events`` (and ``/healthz``, ``/metrics`` when given)."""
        application = self.app.web_app(path="/slack/events")
        if self._health is not None and self._metrics is not None:
            HealthServer(self._health, self._metrics, port=0).add_routes(application)
        return application

    async def start(self, host: str = "0.0.0.0", port: int = 3000) -> int:
        """Serve HTTP mode; returns the port (useful with port 0)."""
        self._runner = web.AppRunner(self.web_app())
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        addresses = self._runner.addresses
        return int(addresses[0][1]) if addresses else port

    async def start_socket_mode(self, app_token: str) -> None:
        """Connect over Socket Mode (no public URL needed); bolt acknowledges each envelope and reconnects."""
        self._socket = AsyncSocketModeHandler(self.app, app_token)
        await self._socket.connect_async()  # type: ignore[no-untyped-call]

    async def stop(self) -> None:
        """Stop serving and disconnect."""
        if self._runner is not None:
            await self._runner.cleanup()
        if self._socket is not None:
            await self._socket.close_async()  # type: ignore[no-untyped-call]

    async def _bot_user_id(self) -> str | None:
        if self._bot_user is None:
            auth = await self.client.auth_test()
            self._bot_user = auth.get("user_id")
        return self._bot_user

    async def _with_groups(self, event: E) -> E:
        """Add the user's mapped Slack user groups to the event's platform roles (looked up at most every 5 min)."""
        if not self._role_groups:
            return event
        if time.monotonic() - self._groups_loaded_at > _GROUPS_TTL:
            try:
                listed = await self.client.usergroups_list(include_users=True)
            except SlackApiError as exc:
                # Fail closed: without the lookup nobody gets a role from a user group, and the event still runs.
                log.warning("could not list Slack user groups for roles: %s", exc.response.get("error", exc))
                return event
            members: dict[str, set[str]] = {}
            groups: list[dict[str, Any]] = listed.get("usergroups") or []
            for group in groups:
                if str(group.get("handle", "")).casefold() in self._role_groups:
                    for user in group.get("users", []):
                        members.setdefault(user, set()).add(group["handle"])
            self._group_members = {user: frozenset(handles) for user, handles in members.items()}
            self._groups_loaded_at = time.monotonic()
        handles = self._group_members.get(event.origin.user, frozenset())
        return replace(event, origin=replace(event.origin, platform_roles=event.origin.platform_roles | handles))

    async def _on_event(self, body: dict[str, Any], ack: AsyncAck) -> None:
        await ack()
        event_id = body.get("event_id")
        if event_id and not await claim_event(self._db, f"slack:{event_id}", datetime.now(UTC)):
            log.info("dropped a repeated delivery of Slack event %s", event_id)
            return
        message = event_to_core(body, await self._bot_user_id())
        if message is None:
            return
        message = await self._with_groups(message)
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
        await self.client.views_publish(user_id=event["user"], view={"type": "home", "blocks": blocks[:100]})

    async def _on_command(self, body: dict[str, Any], ack: AsyncAck) -> None:
        await ack()
        message = await self._with_groups(slash_to_core(body))
        await self._deliver(message.origin, await self._handle(message), trigger_id=body.get("trigger_id"))

    async def _on_action(self, body: dict[str, Any], ack: AsyncAck) -> None:
        await ack()
        action = await self._with_groups(action_to_core(body))
        await self._deliver(action.origin, await self._handle(action), trigger_id=body.get("trigger_id"))

    async def _on_view(self, body: dict[str, Any], ack: AsyncAck) -> None:
        submission = await self._with_groups(view_to_core(body))
        replies = await self._handle(submission)
        errors = {name: msg for r in replies for name, msg in r.form_errors}
        if errors:
            await ack(response_action="errors", errors=errors)  # shown under each field in the modal
            return
        await ack()
        await self._deliver(submission.origin, replies, trigger_id=None)

    async def _deliver(self, origin: Origin, replies: list[Reply], trigger_id: str | None) -> None:
        for reply in replies:
            await self.send(origin, reply, trigger_id)

    async def post(self, reply: Reply) -> None:
        """Send a message nobody's event asked for (scheduled check-ins, reminders, staff notices)."""
        if reply.platform not in (None, "slack") or (reply.channel is None and reply.user is None):
            return
        await self.send(Origin("slack", reply.channel or "", reply.user or ""), reply)

    async def send(self, origin: Origin, reply: Reply, trigger_id: str | None = None) -> None:
        """Post one reply where it belongs: a modal, the thread, privately, by DM, or another channel."""
        if reply.form is not None and trigger_id is not None:
            await self.client.views_open(trigger_id=trigger_id, view=form_to_view(reply.form, origin.channel))
            return
        blocks = [b.to_dict() for b in reply_blocks(reply)]
        fallback = (reply.title or reply.text)[:300]
        if reply.channel is not None:
            await self.client.chat_postMessage(channel=reply.channel, text=fallback, blocks=blocks)
        elif reply.visibility is Visibility.DM or reply.user is not None:
            await self.client.chat_postMessage(channel=reply.user or origin.user, text=fallback, blocks=blocks)
        elif reply.visibility is Visibility.EPHEMERAL and not origin.is_dm:
            await self.client.chat_postEphemeral(
                channel=origin.channel,
                user=origin.user,
                text=fallback,
                blocks=blocks,
                thread_ts=origin.thread if reply.in_thread else None,
            )
        else:
            await self.client.chat_postMessage(
                channel=origin.channel,
                text=fallback,
                blocks=blocks,
                thread_ts=origin.thread if reply.in_thread and not origin.is_dm else None,
            )


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
        """Connect (or listen) and serve until :meth:`stop`."""
        self._stopped.clear()
        try:
            if self._port is not None:
                port = await self.adapter.start(port=self._port)
                log.info("Slack HTTP mode listening on port %d at /slack/events", port)
            else:
                assert self._app_token is not None
                await self.adapter.start_socket_mode(self._app_token)
                log.info("Slack Socket Mode connected")
            await self._stopped.wait()
        finally:
            await self.adapter.stop()

    async def stop(self) -> None:
        """Stop serving."""
        self._stopped.set()

    async def post(self, reply: Reply) -> None:
        """Send a scheduled message."""
        await self.adapter.post(reply)
