"""``help``: what the user may do, with examples."""

from __future__ import annotations

from typing import ClassVar

from bot.errors import PermissionDenied
from bot.events import Reply, Visibility
from bot.feature import Command, Context, Deps, Replies, Slash, Surface, command_lines, facilitates
from bot.permissions import Role

__all__ = ["Help"]

INTRO = (
    "I answer how-to questions about learning circles and open courses, and take requests for help from the "
    "{community} team. In a channel, mention me; in a direct message, just ask."
)
TITLE = "What I can do"
TOPIC_TITLE = "What I can do: {topic}"
ACTING_AS = "You are acting as: {role}."
EVERYTHING = "Type `help` for everything I can do."
NOT_YOURS = "Sorry, `{topic}` is not among the commands you can run."


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
            "show this list, or only the commands of one topic",
            examples=("help", "help checkin"),
            usage="help [COMMAND]",
            names_commands=True,
            min_role=Role.MEMBER,
            home=2,
            slash=Slash(
                "What the bot can do for you",
                option="topic",
                option_description="only the commands starting with these words, e.g. checkin",
                required=False,
                slack=False,
                complete=self._topics,
            ),
        )
        return Surface(self.name, commands=(show,))

    def _topics(self, typed: str, channel: str | None) -> list[str]:
        """The command words a member may ask ``help`` about that start with what is typed (Discord autocomplete)."""
        words = dict.fromkeys(c.name.split()[0] for c in self._commands(Role.MEMBER))
        return [word for word in words if word.startswith(typed.strip().lower())]

    async def show(self, ctx: Context, args: str) -> Replies:
        """The commands ``ctx.role`` may run, each with its usage and examples; with a command word after ``help``
        (``help checkin``, ``help kb search``), only the commands it starts.

        Words that name no command ("help with venues", "help me", a plea rather than the ``me`` command) get the
        whole list, as before there were topics.

        Raises:
            PermissionDenied: the topic names commands, none of which ``ctx.role`` may run.
        """
        commands = self._commands(ctx.role)
        if not await facilitates(ctx):
            commands = [c for c in commands if not c.group_facilitators]
        topic = " ".join(args.lower().lstrip("/!").rstrip("?.!").split())
        words = topic.split() if topic != "me" else []
        for prefix in (" ".join(words[:n]) for n in range(len(words), 0, -1)):  # `help kb search venue`: kb search
            chosen = [c for c in commands if _starts(c, prefix)]
            if chosen:
                lines = [*command_lines(chosen), "", EVERYTHING]
                return [
                    Reply("\n".join(lines), title=TOPIC_TITLE.format(topic=prefix), visibility=Visibility.EPHEMERAL)
                ]
            if any(_starts(c, prefix) for c in self._commands(Role.ADMIN)):
                raise PermissionDenied(NOT_YOURS.format(topic=prefix))
        lines = [INTRO.format(community=self._community), "", *command_lines(commands), ""]
        lines.append(ACTING_AS.format(role=ctx.role.name.lower()))
        return [Reply("\n".join(lines), title=TITLE, visibility=Visibility.EPHEMERAL)]


def _starts(command: Command, topic: str) -> bool:
    """Whether ``topic`` is ``command``'s name or the words it starts with (``kb`` for ``kb search``)."""
    return command.name == topic or command.name.startswith(f"{topic} ")
