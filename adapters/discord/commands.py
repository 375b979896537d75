"""Discord's slash commands for the core: ``/ask`` (with recipe titles as autocomplete), ``/help``, ``/consult``, and
one group per core command group (``/checkin``, ``/leads``, ``/kb``) with a subcommand per core command.

Every command hands its whole command line to one callback; the core does the rest.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import discord
from discord import app_commands

__all__ = ["GROUPS", "command_tree"]

OnCommand = Callable[[discord.Interaction[Any]], Awaitable[None]]
Titles = Callable[[str], Sequence[str]]

GROUPS = ("checkin", "leads", "kb")  # core command words that become slash command groups


def command_tree(
    client: discord.Client, commands: Sequence[tuple[str, str]], titles: Titles | None, on_command: OnCommand
) -> app_commands.CommandTree[Any]:
    """The command tree of ``client``: the core's ``commands`` as ``(name, summary)``, each calling ``on_command``."""
    tree: app_commands.CommandTree[Any] = app_commands.CommandTree(client)
    client.communitybot_command = on_command  # type: ignore[attr-defined]

    @tree.command(name="ask", description="Ask a how-to question")
    @app_commands.describe(question="What do you want to know?")
    async def ask(interaction: discord.Interaction[Any], question: str) -> None:
        await on_command(interaction)

    @ask.autocomplete("question")
    async def ask_titles(interaction: discord.Interaction[Any], current: str) -> list[app_commands.Choice[str]]:
        found = titles(current) if titles is not None and current.strip() else []
        return [app_commands.Choice(name=t[:100], value=t[:100]) for t in found[:25]]

    @tree.command(name="help", description="What the bot can do for you")
    async def help_(interaction: discord.Interaction[Any]) -> None:
        await on_command(interaction)

    @tree.command(name="consult", description="Ask P2PU for help with a project")
    async def consult(interaction: discord.Interaction[Any]) -> None:
        await on_command(interaction)

    for group_name in GROUPS:
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
    return tree


async def _channel_name(interaction: discord.Interaction[Any], current: str) -> list[app_commands.Choice[str]]:
    """``/checkin create``: a study group is bound to its channel, so offer the channel's name as the group's."""
    name = getattr(interaction.channel, "name", None)
    suggestions = [n for n in (current.strip(), name) if n]
    return [app_commands.Choice(name=n[:100], value=n[:100]) for n in dict.fromkeys(suggestions)]


async def _subcommand(interaction: discord.Interaction[Any], args: str | None = None) -> None:
    """Every group subcommand: hand the whole command line to the core."""
    on_command: OnCommand = interaction.client.communitybot_command
    await on_command(interaction)
