"""``help``: what the user may do, with examples."""

from __future__ import annotations

from collections.abc import Callable

from bot.dispatcher import Command, Context, Feature, Replies
from bot.events import Reply, Visibility
from bot.permissions import Role

__all__ = ["help_feature"]

_INTRO = (
    "I answer how-to questions about learning circles and open courses, and take requests for help from the "
    "P2PU team. In a channel, mention me; in a direct message, just ask."
)


def help_feature(list_commands: Callable[[Role], list[Command]]) -> Feature:
    """The help command, listing whatever ``list_commands`` says the user's role may run."""

    async def show_help(ctx: Context, args: str) -> Replies:
        lines = [_INTRO, ""]
        for command in list_commands(ctx.role):
            lines.append(f"• `{command.usage or command.name}`: {command.summary}")
            lines += [f"    e.g. `{example}`" for example in command.examples]
        lines.append("")
        lines.append(f"You are acting as: {ctx.role.name.lower()}.")
        return [Reply("\n".join(lines), title="What I can do", visibility=Visibility.EPHEMERAL)]

    return Feature(
        name="help",
        commands=(Command("help", show_help, "show this list", examples=("help",), min_role=Role.MEMBER),),
    )
