"""The Discord adapter: discord.py slash commands, buttons and modals over the core, no privileged intent needed.

Slash commands (built from the core's command registry: one-word commands and one per command group) are synced to
the configured servers at start, or globally. Mentions and direct messages
are answered as replies; with the message-content intent enabled, so are messages in help channels.

Buttons carry everything a press needs in their custom_id and are discord.py dynamic items, so they keep working
after a restart. Forms open as modals of at most five inputs; longer forms continue in a second modal. Every
interaction is answered within Discord's 3 seconds: if the core has not finished by then, the adapter defers and
follows up. Nothing the bot sends can ping ``@everyone``, ``@here`` or a role.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import replace
from typing import Any

import discord

from adapters.discord.commands import command_tree
from adapters.discord.custom_ids import pressed
from adapters.discord.events import ScheduledEvents
from adapters.discord.interactions import (
    PERMISSIONS,
    defer,
    interaction_origin,
    invite_url,
    public,
    raise_from,
    respond,
    role_names_of,
)
from adapters.discord.modals import open_later, submitted_page
from adapters.discord.send import answer, deliver, messageable, refused, reply_to
from adapters.discord.tags import apply_tags
from adapters.discord.translate import (
    DEFAULT_FILE_LIMIT,
    NO_PINGS,
    CoreButton,
    command_text,
    message_to_core,
    reply_messages,
)
from bot.adapter import CalendarEvent, Delivery, Target
from bot.errors import DeliveryError
from bot.events import Action, Event, Message, Origin, Reply, Visibility
from bot.registry import SlashCommand
from bot.routing import ANY_PLATFORM, Channels, route

# CoreButton (translate), PERMISSIONS and invite_url (interactions) are re-exported for the CLI and the tests.
__all__ = ["PERMISSIONS", "CoreButton", "DiscordAdapter", "invite_url"]

log = logging.getLogger(__name__)

Handle = Callable[[Event], Awaitable[list[Reply]]]
StartForm = Callable[[Origin, Reply], Awaitable[list[Reply]]]

_NO_CHANNELS = Channels({})  # the core has mapped logical channels already
_DEFER_AFTER = 2.0  # seconds: Discord drops interactions not answered within 3
_RESTARTING = "Restarting; try again in a minute."
_MOVED_TO_DM = "I've sent you a direct message to continue privately."
_NO_DM = (
    "I couldn't send you a direct message. Please allow direct messages from this server's members, "
    "or use the slash command instead."
)


class DiscordAdapter:
    """Discord through discord.py.

    Args:
        handle: the core's event handler.
        token: the bot token.
        guild_ids: servers to sync slash commands to at start (instant); empty syncs them globally (can take an
            hour to show up).
        commands: the core registry's slash commands (:meth:`bot.registry.Registry.slash_commands`).
        message_content: the privileged message-content intent is enabled for the app.
        help_channels: watched help channels (text channels need ``message_content``; forum posts that mention
            the bot work without it).
        shard_count: total shards across all processes (AutoShardedClient); None for one process, one shard.
        shard_ids: the shards this process runs.
        start_form: the core's step-by-step start of a form in a given place (``Dispatcher.start_form``): a form
            started by a message in a server channel continues there, in the user's DMs.
        guild_ready_timeout: seconds discord.py waits after the last server arrives before it is ready (its
            default, 2, suits Discord; tests against a loopback stand-in pass much less).

    Each :meth:`run` builds a new discord.py client (a new HTTP session), so a restart after a failure starts
    clean. discord.py resumes a dropped gateway connection once; if that fails, :meth:`run` raises and the
    runtime restarts the adapter with backoff.
    """

    name = "discord"

    def __init__(
        self,
        handle: Handle,
        token: str,
        *,
        guild_ids: Sequence[int] = (),
        commands: Sequence[SlashCommand] = (),
        message_content: bool = False,
        help_channels: Iterable[str] = (),
        shard_count: int | None = None,
        shard_ids: Sequence[int] | None = None,
        start_form: StartForm | None = None,
        guild_ready_timeout: float = 2.0,
    ) -> None:
        self._handle = handle
        self._token = token
        self._guild_ids = list(guild_ids)
        self._guilds = frozenset(str(g) for g in guild_ids)
        self._commands = list(commands)
        self._start_form = start_form
        self._message_content = message_content
        self._help_channels = frozenset(help_channels)
        self._options: dict[str, Any] = {"guild_ready_timeout": guild_ready_timeout}
        self._sharding: dict[str, Any] | None = None
        if shard_count is not None:
            self._sharding = {"shard_count": shard_count}
            if shard_ids is not None:
                self._sharding["shard_ids"] = list(shard_ids)
        self._inflight: set[asyncio.Task[Any]] = set()
        self._stopping = asyncio.Event()
        self._used = False
        self.accepting = True
        self.ready = asyncio.Event()
        self.events = ScheduledEvents()
        self.client = self._new_client()

    def _new_client(self) -> discord.Client:
        """A discord.py client with its command tree and event handlers; a fresh one for every run."""
        intents = discord.Intents.default()
        intents.message_content = self._message_content
        client: discord.Client
        if self._sharding is not None:
            client = discord.AutoShardedClient(
                intents=intents, allowed_mentions=NO_PINGS, **self._options, **self._sharding
            )
        else:
            client = discord.Client(intents=intents, allowed_mentions=NO_PINGS, **self._options)
        self.tree = command_tree(client, self._commands, self._command)
        client.setup_hook = self._setup  # type: ignore[method-assign]
        client.event(self.on_ready)
        client.event(self.on_message)
        client.event(self.on_interaction)
        return client

    # -- lifecycle ------------------------------------------------------------------------------------------

    async def _setup(self) -> None:
        self.client.add_dynamic_items(CoreButton)
        if self._guild_ids:
            for guild_id in self._guild_ids:
                guild = discord.Object(id=guild_id)
                self.tree.copy_global_to(guild=guild)
                await self.tree.sync(guild=guild)
            log.info("Discord slash commands synced to %d server(s)", len(self._guild_ids))
        else:
            await self.tree.sync()
            log.info("Discord slash commands synced globally (they may take a while to appear)")

    async def on_ready(self) -> None:
        log.info("Discord connected as %s", self.client.user)
        self.ready.set()

    async def run(self) -> None:
        """Log in with a new client and stay connected until :meth:`stop`.

        Raises:
            Exception: whatever ended the connection (a lost network, a refused login or intent); the runtime
                restarts the adapter.
        """
        if self._used:
            self.client = self._new_client()  # a closed client's HTTP session cannot be reused
        self._used = True
        self._stopping.clear()
        self.ready.clear()
        self.accepting = True
        client = self.client
        async with client:
            login = asyncio.ensure_future(client.start(self._token, reconnect=False))
            stopping = asyncio.ensure_future(self._stopping.wait())
            try:
                await asyncio.wait({login, stopping}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                stopping.cancel()
                if not login.done():
                    login.cancel()
                    await asyncio.gather(login, return_exceptions=True)
            if not login.cancelled() and not self._stopping.is_set():
                raise_from(login)

    async def stop(self, drain_seconds: float = 10.0) -> None:
        """Stop taking events, let in-flight ones finish (bounded), then disconnect; works in any state."""
        self.accepting = False
        if self._inflight:
            await asyncio.wait(list(self._inflight), timeout=drain_seconds)
        self._stopping.set()
        try:
            await asyncio.wait_for(self.client.close(), timeout=5)
        except TimeoutError:
            log.warning("the Discord client did not close within 5 s")

    def _track(self, coro: Awaitable[Any]) -> asyncio.Task[Any]:
        task = asyncio.ensure_future(coro)
        self._inflight.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._inflight.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("a Discord event failed", exc_info=task.exception())

    # -- slash commands -------------------------------------------------------------------------------------

    async def _command(self, interaction: discord.Interaction[Any]) -> None:
        text = command_text(interaction.data or {})
        origin = interaction_origin(interaction, self._guilds)
        await self._interaction(interaction, Message(origin, text, is_mention=True, delivery_id=str(interaction.id)))

    # -- events ---------------------------------------------------------------------------------------------

    async def on_message(self, message: discord.Message) -> None:
        if not self.accepting or self.client.user is None:
            return
        payload: dict[str, Any] = {
            "id": str(message.id),
            "type": message.type.value,
            "content": message.content,
            "channel_id": str(message.channel.id),
            "guild_id": str(message.guild.id) if message.guild else None,
            "author": {"id": str(message.author.id), "bot": message.author.bot, "username": message.author.name},
            "webhook_id": str(message.webhook_id) if message.webhook_id else None,
            "mentions": [{"id": str(m.id)} for m in message.mentions],
            "member": {"roles": [str(r.id) for r in getattr(message.author, "roles", [])[1:]]},
        }
        if isinstance(message.channel, discord.Thread):
            payload["thread"] = {"id": str(message.channel.id), "parent_id": str(message.channel.parent_id)}
        event = message_to_core(
            payload, str(self.client.user.id), role_names_of(message.author), self._help_channels, self._guilds
        )
        if event is None:
            return
        await self._track(self._answer_message(message, event))

    async def _answer_message(self, message: discord.Message, event: Message) -> None:
        replies = await self._handle(event)
        for reply in replies:
            if reply.form is not None:
                await self._form_in_private(message, event.origin, reply)
                continue
            for delivery in route(event.origin, reply, _NO_CHANNELS):
                target = delivery.target
                if target.kind == "ephemeral":
                    # A message has no private reply: what is meant for one person goes to them by DM.
                    target = Target("dm", target.platform, user=target.user)
                if target.kind == "reply":
                    limit = message.guild.filesize_limit if message.guild else DEFAULT_FILE_LIMIT
                    await reply_to(message, reply_messages(public(reply), limit))
                else:
                    await self._send_quietly(Delivery(target, reply))
        await apply_tags(message.channel, replies)

    async def _form_in_private(self, message: discord.Message, origin: Origin, reply: Reply) -> None:
        """A form started in a server channel: asked field by field in the user's DMs, where answers are read."""
        form = reply.form
        assert form is not None
        try:
            dm = await (await self.client.fetch_user(int(origin.user))).create_dm()
            in_dm = replace(origin, channel=str(dm.id), thread=None, is_dm=True, form_page_size=0)
            if self._start_form is not None:
                replies = await self._start_form(in_dm, reply)
            else:  # no step-by-step here: a button in the DM opens the form as a modal
                replies = [open_later(reply, Visibility.PUBLIC)]
            for each in replies:
                await deliver(dm, reply_messages(public(each)), None)
            note = _MOVED_TO_DM
        except (discord.HTTPException, DeliveryError) as exc:
            cause = exc.__cause__ if isinstance(exc, DeliveryError) and exc.__cause__ is not None else exc
            refused("a direct message", cause)
            note = _NO_DM
        await reply_to(message, reply_messages(Reply(note)))

    async def _send_quietly(self, delivery: Delivery) -> None:
        """:meth:`send` for a reply to someone's event: a refusal is logged (once), not raised."""
        try:
            await self.send(delivery)
        except DeliveryError as exc:
            log.warning("could not send a Discord message: %s", exc)

    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        """A button press or a modal submission: to the core (a modal's page with the core's draft token), stale ones
        too, so that every press and submission is answered."""
        origin = interaction_origin(interaction, self._guilds)
        event: Event | None = None
        if interaction.type is discord.InteractionType.component:
            data: dict[str, Any] = interaction.data or {}  # type: ignore[assignment]
            event = Action(origin, *pressed(str(data.get("custom_id", ""))))
        elif interaction.type is discord.InteractionType.modal_submit:
            event = submitted_page(interaction, origin)
        if event is not None:
            await self._interaction(interaction, replace(event, delivery_id=str(interaction.id)))

    # -- answering interactions -----------------------------------------------------------------------------

    async def _interaction(self, interaction: discord.Interaction[Any], event: Event) -> None:
        if not self.accepting:
            await answer(interaction, reply_messages(Reply(_RESTARTING, visibility=Visibility.EPHEMERAL)))
            return
        await self._track(self._run_interaction(interaction, event))

    async def _run_interaction(self, interaction: discord.Interaction[Any], event: Event) -> None:
        started = time.monotonic()
        task = asyncio.ensure_future(self._handle(event))
        live = True
        try:
            replies = await asyncio.wait_for(asyncio.shield(task), timeout=_DEFER_AFTER)
        except TimeoutError:
            live = await defer(interaction)  # answer Discord now ("thinking..."), follow up when the core is done
            replies = await task  # the core still finishes what it started
            log.info("Discord interaction deferred; core took %.1f s", time.monotonic() - started)
        await respond(interaction, event.origin, replies, self._send_quietly, live=live)
        await apply_tags(interaction.channel, replies)

    # -- messages nobody asked for --------------------------------------------------------------------------

    async def sync_event(self, event: CalendarEvent) -> str | None:
        """A meeting as a scheduled event of its channel's server (:class:`bot.adapter.EventCalendar`)."""
        return await self.events.sync(self.client, event)

    async def send(self, delivery: Delivery) -> None:
        """Send to a channel, or to a user by DM (scheduled check-ins, reminders, staff notices).

        ``reply.key`` becomes the message nonce, so Discord drops a retried send it already took.

        Raises:
            DeliveryError: Discord refused the message (permanent) or could not be reached (worth a retry).
        """
        if delivery.target.platform not in (self.name, ANY_PLATFORM):
            return
        target = await messageable(self.client, delivery.target)
        if target is None:
            return
        guild = getattr(target, "guild", None)
        limit = guild.filesize_limit if guild is not None else DEFAULT_FILE_LIMIT
        await deliver(target, reply_messages(public(delivery.reply), limit), delivery.reply.key)
