"""Discord's slash commands, built from the core registry's :class:`bot.registry.SlashCommand` list.

A one-word command becomes a slash command with its one text option (``/ask question:...``); a command group
becomes a slash command with one subcommand per word, each taking the rest as one text option ``args``. Every
command hands its whole command line to one callback; the core does the rest. Autocomplete comes from the
command's completer in the core.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Sequence
from typing import Any

import discord
from discord import app_commands

from bot.feature import Completer, Slash
from bot.registry import SlashCommand

__all__ = ["command_tree"]

OnCommand = Callable[[discord.Interaction[Any]], Coroutine[Any, Any, None]]
_MAX_CHOICES = 25


def command_tree(
    client: discord.Client, commands: Sequence[SlashCommand], on_command: OnCommand
) -> app_commands.CommandTree[Any]:
    """The command tree of ``client``: the core's slash ``commands``, each calling ``on_command``."""
    tree: app_commands.CommandTree[Any] = app_commands.CommandTree(client)
    client.communitybot_command = on_command  # type: ignore[attr-defined]
    for command in commands:
        if command.subcommands:
            group = app_commands.Group(name=command.name, description=command.slash.description)
            for sub in command.subcommands:
                args = Slash(sub.description or sub.name, option="args", required=False, complete=sub.complete)
                group.add_command(_command(sub.name, args, group))
            tree.add_command(group)
        else:
            tree.add_command(_command(command.name, command.slash, None))
    return tree


def _command(name: str, slash: Slash, parent: app_commands.Group | None) -> app_commands.Command[Any, ..., None]:
    option = slash.option
    callback = _callback(option, slash.required)
    if option:
        # The callback's parameter is ``value``; Discord shows it under the option's own name.
        callback = app_commands.rename(value=option)(callback)
        if slash.option_description:
            callback = app_commands.describe(value=slash.option_description)(callback)
    command: app_commands.Command[Any, ..., None] = app_commands.Command(
        name=name, description=slash.description[:100], callback=callback, parent=parent
    )
    if option and slash.complete is not None:
        command.autocomplete("value")(_completer(slash.complete))
    return command


def _callback(option: str, required: bool) -> Callable[..., Coroutine[Any, Any, None]]:
    """A new callback for one command (discord.py reads the option from its signature and marks the function)."""
    if not option:

        async def no_option(interaction: discord.Interaction[Any]) -> None:
            await interaction.client.communitybot_command(interaction)

        return no_option
    if required:

        async def one_option(interaction: discord.Interaction[Any], value: str) -> None:
            await interaction.client.communitybot_command(interaction)

        return one_option

    async def optional_option(interaction: discord.Interaction[Any], value: str | None = None) -> None:
        await interaction.client.communitybot_command(interaction)

    return optional_option


def _completer(
    complete: Completer,
) -> Callable[[discord.Interaction[Any], str], Coroutine[Any, Any, list[app_commands.Choice[str]]]]:
    async def suggest(interaction: discord.Interaction[Any], current: str) -> list[app_commands.Choice[str]]:
        channel = getattr(interaction.channel, "name", None)
        found = complete(current, channel)
        return [app_commands.Choice(name=t[:100], value=t[:100]) for t in list(found)[:_MAX_CHOICES]]

    return suggest
