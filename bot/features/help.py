"""``help``: what the user may do, with examples."""

from __future__ import annotations

from typing import ClassVar

from bot.events import Reply, Visibility
from bot.feature import Command, Context, Deps, Replies, Slash, Surface, facilitates
from bot.permissions import Role

__all__ = ["Help"]

INTRO = (
    "I answer how-to questions about learning circles and open courses, and take requests for help from the "
    "{community} team. In a channel, mention me; in a direct message, just ask."
)
TITLE = "What I can do"
ACTING_AS = "You are acting as: {role}."


class Help:
    """Lists whatever the user's role may run, with examples, generated from the registry."""

    name: ClassVar[str] = "help"

    def __init__(self, deps: Deps) -> None:
        self._commands = deps.commands
        self._community = deps.settings.community_name

    def surface(self) -> Surface:
        """One command, ``help`` (also ``/help`` on Discord, and part of Slack's App Home tab)."""
        show = Command(
            "help",
            self.show,
            "show this list",
            examples=("help",),
            min_role=Role.MEMBER,
            home=2,
            slash=Slash("What the bot can do for you", slack=False),
        )
        return Surface(self.name, commands=(show,))

    async def show(self, ctx: Context, args: str) -> Replies:
        """The commands ``ctx.role`` may run, each with its usage and examples."""
        lines = [INTRO.format(community=self._community), ""]
        commands = self._commands(ctx.role)
        if not await facilitates(ctx):
            commands = [c for c in commands if not c.group_facilitators]
        for command in commands:
            lines.append(f"• `{command.usage or command.name}`: {command.summary}")
            lines += [f"    e.g. `{example}`" for example in command.examples]
        lines.append("")
        lines.append(ACTING_AS.format(role=ctx.role.name.lower()))
        return [Reply("\n".join(lines), title=TITLE, visibility=Visibility.EPHEMERAL)]
