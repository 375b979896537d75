"""The console adapter: a REPL against the core, and a line-by-line script runner when stdin is not a terminal.

Buttons show as numbered choices (type the number to press one); forms are asked field by field by the core. Times
show in the group's zone and, when the reader set their own (``me tz``) and it reads differently, in theirs too.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from typing import TextIO

from bot.adapter import Delivery
from bot.events import Action, Button, Event, Message, Origin, Reply, Visibility
from bot.usertext import clean
from bot.when import for_reader, render

ZoneOf = Callable[[str], Awaitable[str | None]]
"""The zone a console user set for themselves (``me tz``), by user id; None when they set none."""

__all__ = ["ConsoleAdapter"]

_QUIT = frozenset({"quit", "exit", ":q"})


class ConsoleAdapter:
    """Talks to the core through stdin and stdout.

    Args:
        handle: the core's event handler (``Dispatcher.handle``).
        out: where replies are written.
        user: the user id to act as.
        role: a role name to act with (member, facilitator, staff, admin).
        channel: the channel to act in; ``None`` means a direct message with the bot.
        export_dir: where attached files (CSV exports) are saved.
        zone_of: looks up a reader's own time zone; without it, times show in the group's zone only.
    """

    name = "console"

    def __init__(
        self,
        handle: Callable[[Event], Awaitable[list[Reply]]],
        out: TextIO,
        user: str = "you",
        role: str = "member",
        channel: str | None = None,
        export_dir: Path = Path("data/exports"),
        zone_of: ZoneOf | None = None,
    ) -> None:
        self._handle = handle
        self._zone_of = zone_of
        self._out = out
        self._export_dir = export_dir
        self.origin = Origin(
            platform="console",
            channel=channel or f"dm-{user}",
            user=user,
            user_name=user,
            is_dm=channel is None,
            platform_roles=frozenset({role}),
            form_page_size=0,
        )
        self._choices: list[Button] = []

    async def start(self) -> None:
        """Nothing to connect to."""

    async def stop(self) -> None:
        """Nothing to disconnect."""

    async def send(self, delivery: Delivery) -> None:
        """Write a message nobody's event asked for, wherever it was routed (the console shows everything).

        A direct message reads in its recipient's zone; anything else in the console user's.
        """
        target = delivery.target
        reader = target.user if target.kind == "dm" and target.user else None
        await self.show(delivery.reply, reader)

    async def show(self, reply: Reply, reader: str | None = None) -> None:
        """Write one reply, its times as ``reader`` (the console user by default) reads them."""
        reader = reader or reply.user or self.origin.user
        zone = await self._zone_of(reader) if self._zone_of is not None else None
        self._out.write(self.render(reply, zone))
        self._out.flush()

    def render(self, reply: Reply, zone: str | None = None) -> str:
        """A reply as console text, times in the group's zone and ``zone``; its buttons become the current choices."""
        show = for_reader(zone)
        reply = replace(
            reply,
            text=render(reply.text, show),
            title=render(reply.title, show) if reply.title else reply.title,
            fields=tuple((render(k, show), render(v, show)) for k, v in reply.fields),
            buttons=tuple(replace(b, label=render(b.label, show)) for b in reply.buttons),
        )
        lines: list[str] = []
        if reply.channel is not None:
            lines.append(f"[posted to #{reply.channel}]")
        elif reply.user is not None:
            lines.append(f"[dm to {reply.user}]")
        elif reply.visibility is not Visibility.PUBLIC:
            lines.append(f"[{reply.visibility.value}]")
        if reply.title:
            lines.append(f"== {reply.title} ==")
        if reply.text:
            lines.append(reply.text)
        lines += [f"{name}: {value}" for name, value in reply.fields]
        if reply.link:
            lines.append(f"Read more: {reply.link}")
        if reply.attachment is not None:
            self._export_dir.mkdir(parents=True, exist_ok=True)
            path = self._export_dir / reply.attachment.filename
            path.write_bytes(reply.attachment.payload)
            lines.append(f"Saved {reply.attachment.filename} to {path}")
        if reply.buttons and reply.channel is None and reply.user is None:
            self._choices = list(reply.buttons)
            lines.append("  ".join(f"[{n}] {b.label}" for n, b in enumerate(reply.buttons, start=1)))
        return "\n".join(lines) + "\n\n"

    async def say(self, text: str) -> None:
        """Handle one line the user typed and write the replies."""
        event: Event
        choice = text.strip()
        if choice.isdigit() and 1 <= int(choice) <= len(self._choices):
            button = self._choices[int(choice) - 1]
            event = Action(self.origin, button.action_id, button.value)
        else:
            event = Message(self.origin, text, is_mention=True)
        self._choices = []
        for reply in await self._handle(event):
            await self.show(reply)

    async def run(self, stream: TextIO, interactive: bool, pending: str | None = None) -> None:
        """Read lines until end of input (or ``quit`` when interactive), answering each."""
        if isinstance(stream, io.TextIOWrapper):
            # Bytes that are not valid in the terminal's encoding become U+FFFD instead of ending the session.
            stream.reconfigure(errors="replace")
        if interactive:
            self._out.write("communitybot console. Type 'help' to see what I can do, 'quit' to leave.\n\n")
        if pending:
            self._out.write(f"You have an unfinished form. {pending}\n\n")
        while True:
            if interactive:
                self._out.write("> ")
                self._out.flush()
            line = await asyncio.to_thread(stream.readline)
            if not line:
                break
            text = clean(line.rstrip("\n"))
            if not text.strip():
                continue
            if interactive and text.strip().lower() in _QUIT:
                break
            if not interactive:
                self._out.write(f"> {text}\n")  # a transcript reads better with what was typed
            await self.say(text)
