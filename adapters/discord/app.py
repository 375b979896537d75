"""The Discord adapter: discord.py slash commands, buttons and modals over the core, no privileged intent needed.

Slash commands (``/ask``, ``/help``, ``/consult``, and the ``/checkin``, ``/leads`` and ``/kb`` groups, built from the
core's own command list) are synced to the configured servers at start, or globally. Mentions and direct messages
are answered as replies; with the message-content intent enabled, so are messages in help channels.

Buttons carry everything a press needs in their custom_id and are discord.py dynamic items, so they keep working
after a restart. Forms open as modals of at most five inputs; longer forms continue in a second modal. Every
interaction is answered within Discord's 3 seconds: if the core has not finished by then, the adapter defers and
follows up. Nothing the bot sends can ping ``@everyone``, ``@here`` or a role.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import replace
from typing import Any

import discord
from discord import app_commands

from adapters.discord.translate import (
    NO_PINGS,
    button_custom_id,
    button_style,
    command_text,
    form_steps,
    message_to_core,
    modal_values,
    origin_of,
    parse_button,
    reply_kwargs,
    text_input,
)
from bot.app import BotApp
from bot.events import Action, Button, Event, Form, FormSubmission, Message, Origin, Reply, Visibility
from bot.settings import Settings

__all__ = ["CoreButton", "DiscordAdapter", "for_app", "invite_url"]

log = logging.getLogger(__name__)

Handle = Callable[[Event], Awaitable[list[Reply]]]
Titles = Callable[[str], Sequence[str]]

_GROUPS = ("checkin", "leads", "kb")  # core command words that become slash command groups
_DEFER_AFTER = 2.0  # seconds: Discord drops interactions not answered within 3
_PARTIAL_TTL = 1800.0  # seconds a half-filled multi-step form waits for its next step
_REOPEN = "discordform:reopen"

# Exactly what the bot needs: read and send messages and threads, embed links, attach files (exports).
PERMISSIONS = discord.Permissions(
    view_channel=True,
    send_messages=True,
    send_messages_in_threads=True,
    create_public_threads=True,
    embed_links=True,
    attach_files=True,
    read_message_history=True,
)


def invite_url(application_id: int) -> str:
    """The OAuth2 link that adds the bot with its commands and exactly the permissions it needs."""
    return discord.utils.oauth_url(application_id, permissions=PERMISSIONS, scopes=("bot", "applications.commands"))


class CoreButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"cb\|(?P<action>[^|]+)\|(?P<value>.*)"):
    """A button whose custom_id is ``cb|action|value``; presses are handled in ``on_interaction``."""

    def __init__(self, custom_id: str, label: str = "", style: discord.ButtonStyle = discord.ButtonStyle.secondary):
        super().__init__(discord.ui.Button(label=label or None, custom_id=custom_id, style=style))

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str]
    ) -> CoreButton:
        return cls(item.custom_id or "")  # type: ignore[attr-defined]


class DiscordAdapter:
    """Discord through discord.py.

    Args:
        handle: the core's event handler.
        token: the bot token.
        guild_ids: servers to sync slash commands to at start (instant); empty syncs them globally (can take an
            hour to show up).
        commands: the core's commands as ``(name, summary)``, e.g. ``("checkin join", "Join ...")``.
        titles: recipe titles matching what was typed so far, for ``/ask`` autocomplete.
        message_content: the privileged message-content intent is enabled for the app.
        help_channels: channel ids where every message is taken as a question (needs ``message_content``).
        shard_count: total shards across all processes (AutoShardedClient); None for one process, one shard.
        shard_ids: the shards this process runs.
    """

    name = "discord"

    def __init__(
        self,
        handle: Handle,
        token: str,
        *,
        guild_ids: Sequence[int] = (),
        commands: Sequence[tuple[str, str]] = (),
        titles: Titles | None = None,
        message_content: bool = False,
        help_channels: Iterable[str] = (),
        shard_count: int | None = None,
        shard_ids: Sequence[int] | None = None,
    ) -> None:
        self._handle = handle
        self._token = token
        self._guild_ids = list(guild_ids)
        self._titles = titles
        self._help_channels = frozenset(help_channels) if message_content else frozenset()
        intents = discord.Intents.default()
        intents.message_content = message_content
        self.client: discord.Client
        if shard_count is not None:
            sharding: dict[str, Any] = {"shard_count": shard_count}
            if shard_ids is not None:
                sharding["shard_ids"] = list(shard_ids)
            self.client = discord.AutoShardedClient(intents=intents, allowed_mentions=NO_PINGS, **sharding)
        else:
            self.client = discord.Client(intents=intents, allowed_mentions=NO_PINGS)
        self.tree = app_commands.CommandTree(self.client)
        self._register_commands(commands)
        # Half-filled or rejected modal forms, by (user, form id, context), to continue or reopen them.
        self._partial: dict[tuple[str, str, str], tuple[float, Form, dict[str, str]]] = {}
        self._inflight: set[asyncio.Task[Any]] = set()
        self.accepting = True
        self.ready = asyncio.Event()
        self.client.setup_hook = self._setup  # type: ignore[method-assign]
        self.client.communitybot_adapter = self  # type: ignore[attr-defined]
        self.client.event(self.on_ready)
        self.client.event(self.on_message)
        self.client.event(self.on_interaction)

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
        """Log in and stay connected until :meth:`stop`; discord.py reconnects and resumes on its own."""
        if self.client.is_closed():
            self.client.clear()  # a restart after a failure: discord.py clients can be reopened this way
        self.accepting = True
        async with self.client:
            await self.client.start(self._token, reconnect=True)

    async def stop(self, drain_seconds: float = 10.0) -> None:
        """Stop taking events, let in-flight ones finish (bounded), then disconnect."""
        self.accepting = False
        if self._inflight:
            await asyncio.wait(list(self._inflight), timeout=drain_seconds)
        await self.client.close()

    def _track(self, coro: Awaitable[Any]) -> asyncio.Task[Any]:
        task = asyncio.ensure_future(coro)
        self._inflight.add(task)
        task.add_done_callback(self._inflight.discard)
        return task

    # -- slash commands -------------------------------------------------------------------------------------

    def _register_commands(self, commands: Sequence[tuple[str, str]]) -> None:
        tree = self.tree

        @tree.command(name="ask", description="Ask a how-to question")
        @app_commands.describe(question="What do you want to know?")
        async def ask(interaction: discord.Interaction[Any], question: str) -> None:
            await self._command(interaction)

        @ask.autocomplete("question")
        async def ask_titles(interaction: discord.Interaction[Any], current: str) -> list[app_commands.Choice[str]]:
            found = self._titles(current) if self._titles is not None and current.strip() else []
            return [app_commands.Choice(name=t[:100], value=t[:100]) for t in found[:25]]

        @tree.command(name="help", description="What the bot can do for you")
        async def help_(interaction: discord.Interaction[Any]) -> None:
            await self._command(interaction)

        @tree.command(name="consult", description="Ask P2PU for help with a project")
        async def consult(interaction: discord.Interaction[Any]) -> None:
            await self._command(interaction)

        for group_name in _GROUPS:
            subs = [(n.split()[1], summary) for n, summary in commands if n.startswith(f"{group_name} ")]
            if not subs:
                continue
            group = app_commands.Group(name=group_name, description=f"{group_name} commands")
            for sub, summary in subs[:25]:
                command: app_commands.Command[Any, ..., None] = app_commands.Command(
                    name=sub, description=(summary or sub)[:100], callback=_subcommand, parent=group
                )
                if f"{group_name} {sub}" == "checkin create":
                    command.autocomplete("args")(_channel_name)
                group.add_command(command)
            tree.add_command(group)

    async def _command(self, interaction: discord.Interaction[Any]) -> None:
        text = command_text(interaction.data or {})
        origin = origin_of(_payload(interaction), _role_names(interaction), modals=True)
        await self._interaction(interaction, Message(origin, text, is_mention=True))

    # -- events ---------------------------------------------------------------------------------------------

    async def on_message(self, message: discord.Message) -> None:
        if not self.accepting or self.client.user is None:
            return
        payload = {
            "id": str(message.id),
            "type": message.type.value,
            "content": message.content,
            "channel_id": str(message.channel.id),
            "guild_id": str(message.guild.id) if message.guild else None,
            "author": {"id": str(message.author.id), "bot": message.author.bot, "username": message.author.name},
            "mentions": [{"id": str(m.id)} for m in message.mentions],
            "member": {"roles": [str(r.id) for r in getattr(message.author, "roles", [])[1:]]},
        }
        event = message_to_core(payload, str(self.client.user.id), _role_names_of(message.author), self._help_channels)
        if event is None:
            return
        await self._track(self._answer_message(message, event))

    async def _answer_message(self, message: discord.Message, event: Message) -> None:
        for reply in await self._handle(event):
            private = reply.visibility is Visibility.EPHEMERAL and not event.origin.is_dm
            if reply.channel is not None or reply.user is not None or reply.visibility is Visibility.DM or private:
                # A message has no private reply: what is meant for one person goes to them by DM.
                await self.post(reply, default_user=event.origin.user)
                continue
            kwargs = reply_kwargs(_public(reply), self._view(reply))
            kwargs.pop("ephemeral", None)
            await message.reply(mention_author=False, **kwargs)

    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        if interaction.type is discord.InteractionType.component:
            data: dict[str, Any] = interaction.data or {}  # type: ignore[assignment]
            parsed = parse_button(str(data.get("custom_id", "")))
            if parsed is None:
                return
            if parsed[0] == _REOPEN:
                await self._reopen(interaction, parsed[1])
                return
            origin = origin_of(_payload(interaction), _role_names(interaction), modals=True)
            await self._interaction(interaction, Action(origin, parsed[0], parsed[1]))
        elif interaction.type is discord.InteractionType.modal_submit:
            await self._modal_submit(interaction)

    # -- answering interactions -----------------------------------------------------------------------------

    async def _interaction(self, interaction: discord.Interaction[Any], event: Event) -> None:
        if not self.accepting:
            await interaction.response.send_message("Restarting; try again in a minute.", ephemeral=True)
            return
        await self._track(self._run_interaction(interaction, event))

    async def _run_interaction(self, interaction: discord.Interaction[Any], event: Event) -> None:
        started = time.monotonic()
        task = asyncio.ensure_future(self._handle(event))
        try:
            replies = await asyncio.wait_for(asyncio.shield(task), timeout=_DEFER_AFTER)
        except TimeoutError:
            # Answer Discord now ("thinking..."), follow up when the core is done.
            await interaction.response.defer(ephemeral=True, thinking=True)
            replies = await task
            log.info("Discord interaction deferred; core took %.1f s", time.monotonic() - started)
        await self._respond(interaction, event.origin, replies)

    async def _respond(self, interaction: discord.Interaction[Any], origin: Origin, replies: list[Reply]) -> None:
        errors = [r for r in replies if r.form_errors]
        for reply in replies:
            if reply.form is not None:
                if not interaction.response.is_done():
                    await interaction.response.send_modal(self._modal(reply.form, 0, origin.user))
                    continue
                self._remember(origin.user, reply.form, {})
                reopen = Button("Open the form", _REOPEN, f"{reply.form.form_id}|0|{_ctx(reply.form.context)}")
                reply = Reply(reply.text or reply.form.title, buttons=(reopen,), visibility=Visibility.EPHEMERAL)
            elif reply in errors:
                reply = _with_reopen(reply, interaction)
            if reply.visibility is Visibility.DM and reply.channel is None and reply.user in (None, origin.user):
                reply = replace(reply, visibility=Visibility.EPHEMERAL)  # private to this user already
            if reply.channel is not None or reply.user is not None or reply.visibility is Visibility.DM:
                await self.post(reply, default_user=origin.user)
                continue
            kwargs = reply_kwargs(reply, self._view(reply))
            if not interaction.response.is_done():
                await interaction.response.send_message(**kwargs)
            else:
                await interaction.followup.send(**kwargs)
        if not interaction.response.is_done():
            await interaction.response.send_message("Done.", ephemeral=True)

    def _view(self, reply: Reply) -> discord.ui.View | None:
        """Buttons as dynamic items: not kept per message, and handled after a restart too."""
        if not reply.buttons:
            return None
        view = discord.ui.View(timeout=None)
        for button in reply.buttons[:25]:
            custom_id = button_custom_id(button)
            if custom_id is not None:
                view.add_item(CoreButton(custom_id, button.label[:80], button_style(button)))
        return view

    # -- forms as modals --------------------------------------------------------------------------------------

    def _modal(self, form: Form, step: int, user: str, values: dict[str, str] | None = None) -> discord.ui.Modal:
        steps = form_steps(form)
        current = steps[step]
        modal = discord.ui.Modal(
            title=current.title, custom_id=f"{current.custom_id}|{_ctx(form.context)}", timeout=900
        )
        for field in current.fields:
            modal.add_item(text_input(field, (values or {}).get(field.name, "")))
        self._remember(user, form, dict(values or {}))  # for the next step, or to reopen it after an error
        return modal

    def _remember(self, user: str, form: Form, values: dict[str, str]) -> None:
        now = time.monotonic()
        self._partial = {k: v for k, v in self._partial.items() if now - v[0] < _PARTIAL_TTL}
        self._partial[(user, form.form_id, _ctx(form.context))] = (now, form, values)

    async def _modal_submit(self, interaction: discord.Interaction[Any]) -> None:
        data: dict[str, Any] = interaction.data or {}  # type: ignore[assignment]
        parts = str(data.get("custom_id", "")).split("|", 3)
        if len(parts) < 3 or parts[0] != "form":
            return
        form_id, step, context = (
            parts[1],
            int(parts[2]) if parts[2].isdigit() else 0,
            parts[3] if len(parts) > 3 else "",
        )
        user = str(interaction.user.id)
        values = modal_values(data)
        remembered = self._partial.get((user, form_id, context))
        if remembered is not None:
            _, form, earlier = remembered
            values = {**earlier, **values}
            steps = form_steps(form)
            if step + 1 < len(steps):
                self._remember(user, form, values)
                button = Button(f"Continue ({step + 2}/{len(steps)})", _REOPEN, f"{form_id}|{step + 1}|{context}")
                await interaction.response.send_message(
                    f"Saved part {step + 1} of {len(steps)}.",
                    view=self._view(Reply("", buttons=(button,))) or discord.utils.MISSING,
                    ephemeral=True,
                )
                return
            context = form.context
            self._remember(user, form, values)
        origin = origin_of(_payload(interaction), _role_names(interaction), modals=True)
        await self._interaction(interaction, FormSubmission(origin, form_id, values, context))

    async def _reopen(self, interaction: discord.Interaction[Any], value: str) -> None:
        form_id, step, context = [*value.split("|", 2), "", ""][:3]
        remembered = self._partial.get((str(interaction.user.id), form_id, context))
        if remembered is None:
            await interaction.response.send_message(
                "That form has expired. Please start again.", ephemeral=True, allowed_mentions=NO_PINGS
            )
            return
        _, form, values = remembered
        number = int(step) if step.isdigit() else 0
        await interaction.response.send_modal(self._modal(form, number, str(interaction.user.id), values))

    # -- messages nobody asked for --------------------------------------------------------------------------

    async def post(self, reply: Reply, default_user: str | None = None) -> None:
        """Send to a channel, or to a user by DM (scheduled check-ins, reminders, staff notices)."""
        if reply.platform not in (None, "discord"):
            return
        kwargs = reply_kwargs(_public(reply), self._view(reply))
        kwargs.pop("ephemeral", None)
        try:
            if reply.channel is not None:
                channel = self.client.get_channel(int(reply.channel)) or await self.client.fetch_channel(
                    int(reply.channel)
                )
                await channel.send(**kwargs)  # type: ignore[union-attr]
            elif reply.user is not None or default_user is not None:
                user = await self.client.fetch_user(int(reply.user or default_user or 0))
                await user.send(**kwargs)
        except (discord.HTTPException, ValueError) as exc:
            log.warning("could not deliver a Discord message: %s", exc)


async def _channel_name(interaction: discord.Interaction[Any], current: str) -> list[app_commands.Choice[str]]:
    """``/checkin create``: a study group is bound to its channel, so offer the channel's name as the group's."""
    name = getattr(interaction.channel, "name", None)
    suggestions = [n for n in (current.strip(), name) if n]
    return [app_commands.Choice(name=n[:100], value=n[:100]) for n in dict.fromkeys(suggestions)]


async def _subcommand(interaction: discord.Interaction[Any], args: str | None = None) -> None:
    """Every group subcommand: hand the whole command line to the core."""
    adapter: DiscordAdapter = interaction.client.communitybot_adapter
    await adapter._command(interaction)


def _payload(interaction: discord.Interaction[Any]) -> dict[str, Any]:
    member_roles = [str(r.id) for r in getattr(interaction.user, "roles", [])[1:]]
    return {
        "channel_id": str(interaction.channel_id or ""),
        "guild_id": str(interaction.guild_id) if interaction.guild_id else None,
        "member": {"user": {"id": str(interaction.user.id), "username": interaction.user.name}, "roles": member_roles},
    }


def _role_names(interaction: discord.Interaction[Any]) -> list[str]:
    return _role_names_of(interaction.user)


def _role_names_of(user: discord.abc.User) -> list[str]:
    return [r.name for r in getattr(user, "roles", [])[1:]]  # the first role is @everyone


def _ctx(context: str) -> str:
    """A form's context as it fits in a custom_id (Discord allows 100 characters in all)."""
    return context[:50]


def _public(reply: Reply) -> Reply:
    return replace(reply, visibility=Visibility.PUBLIC)


def _with_reopen(reply: Reply, interaction: discord.Interaction[Any]) -> Reply:
    """A rejected form: the errors, privately, with a button to reopen the form with the answers kept."""
    data: dict[str, Any] = interaction.data or {}  # type: ignore[assignment]
    parts = str(data.get("custom_id", "")).split("|", 3)
    if len(parts) < 3 or parts[0] != "form":
        return replace(reply, visibility=Visibility.EPHEMERAL)
    lines = "\n".join(f"- {message}" for _, message in reply.form_errors)
    button = Button("Edit answers", _REOPEN, f"{parts[1]}|0|{parts[3] if len(parts) > 3 else ''}")
    return Reply(f"Please fix these and submit again:\n{lines}", buttons=(button,), visibility=Visibility.EPHEMERAL)


def for_app(app: BotApp, settings: Settings, token: str) -> DiscordAdapter:
    """A Discord adapter wired to a started :class:`BotApp` and the settings."""

    def titles(current: str) -> list[str]:
        return [hit.recipe.title for hit in app.kb.search(current, limit=25)]

    return DiscordAdapter(
        app.dispatcher.handle,
        token,
        guild_ids=settings.discord_guild_ids,
        commands=[(c.name, c.summary) for c in app.dispatcher.commands.values()],
        titles=titles,
        message_content=settings.discord_message_content,
        help_channels=settings.discord_help_channels,
        shard_count=settings.discord_shard_count,
        shard_ids=settings.discord_shard_ids,
    )
