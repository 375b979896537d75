"""The console adapter: a REPL against the core, and a line-by-line script runner when stdin is not a terminal.

Buttons show as numbered choices (type the number or the label to press one; a bare yes/no/ok/cancel is asked for
the number, the buttons kept); forms are asked field by field by the core. Times show in the group's zone and, when
the reader set their own (``me tz``) and it reads differently, in theirs too.

In a channel (``--channel``) the console plays a chat with threads, for trying help channels and forums:

- ``thread NAME`` goes into thread NAME of the channel (its first line starts it), ``thread`` back to the channel;
- in a thread, or in a watched help channel, a line is a message to everyone there; ``@bot ...`` addresses the
  bot. A line at the top of a watched channel starts a new thread (numbered) and goes into it;
- ``user NAME [ROLE]`` speaks as someone else from then on (the asker, a member who replies, staff), as a member
  unless ROLE says otherwise;
- ``react EMOJI [AUTHOR]`` reacts in the thread (``react ✅ bo``: on bo's message, if bo wrote there in this session;
  ``@bot`` for the bot's answer).

New threads are numbered after the ones the bot already knows in the channel (``threads_of``), so a thread of an
earlier session keeps its number: ``thread 3`` goes back into it, and a line there is a reply, not a new question.
An empty line answers a form's question when one is asked (skipping an optional field), and is ignored otherwise.

At a terminal, lines are read with the standard library's ``readline`` where it exists (line editing and history;
not on Windows), and Ctrl-C ends the session at once (a half-filled form is kept, as with Ctrl-D or ``quit``).
"""

from __future__ import annotations

import io
import os
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from typing import TextIO

from adapters.terminal import line_editing, read_line
from bot.adapter import Delivery
from bot.events import BOT_AUTHOR, REACT_ACTION, Action, Button, Event, Message, Origin, Reply, Visibility
from bot.usertext import clean
from bot.when import for_reader, render
from knowledge.smalltalk import bare_reply

ZoneOf = Callable[[str], Awaitable[str | None]]
"""The zone a console user set for themselves (``me tz``), by user id; None when they set none."""
ThreadsOf = Callable[[str], Awaitable[set[str]]]
"""The threads the bot already knows in a console channel (opened in earlier sessions), by channel."""

__all__ = ["ConsoleAdapter"]

_QUIT = frozenset({"quit", "exit", ":q"})
_MENTION = "@bot"
_ROLES = frozenset({"member", "facilitator", "staff", "admin"})
_USER_USAGE = "[usage: user NAME [ROLE], ROLE one of admin, facilitator, member, staff]"
_REACT_USAGE = "[usage: react EMOJI [AUTHOR], e.g. react ✅ sam (AUTHOR: who wrote the message, @bot for the bot)]"
_MENTION_USAGE = "[usage: @bot MESSAGE, e.g. @bot how do I find a venue]"
_PROMPT = "> "
_FORM_KEPT = "Your unfinished form is kept: the next communitybot chat picks it up where you left off."


class ConsoleAdapter:
    """Talks to the core through stdin and stdout.

    Args:
        handle: the core's event handler (``Dispatcher.handle``).
        out: where replies are written.
        user: the user id to act as.
        role: a role name to act with (member, facilitator, staff, admin).
        channel: the channel to act in; ``None`` means a direct message with the bot.
        export_dir: where attached files (CSV exports) are saved.
        watched: the console channels watched as help channels (settings' ``help_channels.console``).
        zone_of: looks up a reader's own time zone; without it, times show in the group's zone only.
        threads_of: the threads the bot already knows in a channel; without it, new threads are numbered from 1.
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
        watched: frozenset[str] = frozenset(),
        zone_of: ZoneOf | None = None,
        threads_of: ThreadsOf | None = None,
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
        self._watched = watched
        self._threads: set[str] = set()
        self._threads_of = threads_of
        self._authors: dict[str, set[str]] = {}  # who wrote in each thread this session (a reaction's AUTHOR)
        self._quit = False  # the session ended with quit (not Ctrl-C or Ctrl-D)

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
        if reply.in_thread and self.origin.thread is not None and reply.channel is None and reply.user is None:
            lines.append(f"[thread {self.origin.thread}]")
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
        if reply.tags:
            lines.append(f"[tagged: {', '.join(reply.tags)}]")
        if reply.attachment is not None:
            path = _save(self._export_dir, reply.attachment.filename, reply.attachment.payload)
            lines.append(f"Saved {path.name} to {path}")
        if reply.buttons and reply.channel is None and reply.user is None:
            self._choices = list(reply.buttons)
            lines.append(_numbered(self._choices))
        elif typed := [b for b in reply.buttons if b.typed]:  # a post elsewhere: its buttons cannot be pressed here
            lines.append("  ".join(f"[{b.label}: type `{b.typed}`]" for b in typed))
        return "\n".join(lines) + "\n\n"

    async def say(self, text: str) -> None:
        """Handle one line the user typed and write the replies."""
        event: Event | str | None
        choice = text.strip()
        await self._known_threads()
        if choice.isdigit() and self._choices and not 1 <= int(choice) <= len(self._choices):
            # A slip of the finger: say which numbers there are and keep the buttons, rather than lose them.
            self._out.write(f"There is no button {choice} here: {_which(len(self._choices))}.\n\n")
            return
        labelled = [b for b in self._choices if b.label.casefold() == choice.casefold()]
        if choice.isdigit() and 1 <= int(choice) <= len(self._choices):
            labelled = [self._choices[int(choice) - 1]]
        elif not labelled and self._choices and bare_reply(choice):
            # "yes" at buttons means one of them: which one is for the user to say, not a question to look up.
            self._out.write(f"{_which(len(self._choices)).capitalize()}: {_numbered(self._choices)}\n\n")
            return
        if labelled:
            event = Action(self._pressed_in(), labelled[0].action_id, labelled[0].value)
        else:
            event = self._local(choice) if not self.origin.is_dm else None
            event = event if event is not None else self._message(text)
        if isinstance(event, str):  # `user NAME`, a usage line: the buttons above stay (`thread` clears them)
            self._out.write(event + "\n\n")
            return
        replies = await self._handle(event)
        if replies or isinstance(event, Action):  # else the bot's reply above keeps its buttons (Solved), as on Slack
            self._choices = []
        for reply in replies:
            await self.show(reply)

    async def _known_threads(self) -> None:
        """Learn, once, the threads earlier sessions opened in this channel."""
        if self._threads_of is not None and not self.origin.is_dm:
            found, self._threads_of = await self._threads_of(self.origin.channel), None
            self._threads |= found

    def _pressed_in(self) -> Origin:
        """Where a button is pressed: at the top of a channel, a new thread on the bot's message (as Slack and
        Discord thread replies to a message), so "Ask a human" can point people to ``#channel, thread N``."""
        if self.origin.is_dm or self.origin.thread is not None:
            return self.origin
        thread = self._new_thread()
        self._threads.add(thread)
        return replace(self.origin, thread=thread)

    def _new_thread(self) -> str:
        """The next thread number nobody used in this channel."""
        number = 1
        while str(number) in self._threads:
            number += 1
        return str(number)

    def _message(self, text: str) -> Message | str:
        """A line as a message: to the bot, or (in a thread or a watched channel) to everyone there."""
        if self.origin.is_dm:
            return Message(self.origin, text, is_mention=True)
        mention = text.strip().startswith(_MENTION)
        if mention:
            text = text.strip().removeprefix(_MENTION).strip()
            if not text:
                return _MENTION_USAGE
        if self.origin.thread is None and self.origin.channel not in self._watched:
            return Message(self.origin, text, is_mention=True)
        starts = False
        if self.origin.thread is None:  # the top of a watched channel: a new thread
            self._enter(self._new_thread())
        thread = str(self.origin.thread)
        if thread not in self._threads:
            starts = True
            self._threads.add(thread)
        self._authors.setdefault(thread, set()).add(self.origin.user)
        return Message(self.origin, text, is_mention=mention, starts_thread=starts)

    def _enter(self, thread: str | None) -> None:
        self.origin = replace(self.origin, thread=thread)

    def _local(self, line: str) -> Event | str | None:
        """The console's own commands in a channel (``thread``, ``user``, ``react``); None for anything else."""
        word, _, rest = line.partition(" ")
        args = rest.split()
        if word == "thread" and len(args) <= 1:
            self._enter(args[0] if args else None)
            self._choices = []  # another thread's buttons are not pressed from here
            return f"[in thread {args[0]}]" if args else f"[in #{self.origin.channel}]"
        if word == "user" and len(args) <= 2:
            if not args or (len(args) == 2 and args[1] not in _ROLES):
                return _USER_USAGE
            roles = frozenset({args[1] if len(args) == 2 else "member"})
            self.origin = replace(self.origin, user=args[0], user_name=args[0], platform_roles=roles)
            return f"[you are {args[0]}]"
        if word == "react" and len(args) <= 2:
            return self._react(args)
        return None

    def _react(self, args: list[str]) -> Action | str:
        """``react EMOJI [AUTHOR]``: on a message AUTHOR wrote in this thread in this session (or the bot's)."""
        if not args:
            return _REACT_USAGE
        if self.origin.thread is None:
            return "[react works in a thread: type thread NAME first]"
        author = args[1] if len(args) == 2 else ""
        if author and author != BOT_AUTHOR and author not in self._authors.get(self.origin.thread, set()):
            return f"[no message by {author} in thread {self.origin.thread} in this session: nothing to react to]"
        return Action(self.origin, REACT_ACTION, " ".join(args))

    async def _blank(self, interactive: bool) -> None:
        """An empty line: the answer to a form's question if one is asked (skipping an optional field), else nothing."""
        replies = await self._handle(Message(self.origin, "", is_mention=True))
        if replies and not interactive:
            self._out.write(">\n")
        for reply in replies:
            await self.show(reply)

    async def run(self, stream: TextIO, interactive: bool, pending: str | None = None) -> None:
        """Read lines until end of input or ``quit`` (``exit``, ``:q``), answering each."""
        if isinstance(stream, io.TextIOWrapper):
            # Bytes that are not valid in the terminal's encoding become U+FFFD instead of ending the session.
            stream.reconfigure(errors="replace")
        if interactive:
            self._out.write("communitybot console. Type 'help' to see what I can do, 'quit' to leave.\n\n")
        if pending:
            self._out.write(f"You have an unfinished form. {pending}\n\n")
        restore = line_editing(stream) if interactive else None
        try:
            self._quit = await self._lines(stream, interactive)
        finally:
            if restore is not None:
                restore()

    def goodbye(self, *, interrupted: bool, form_open: bool) -> None:
        """End an interactive session (Ctrl-C, Ctrl-D or ``quit``), saying that a half-filled form is kept."""
        # Ctrl-C and Ctrl-D leave the cursor after the prompt.
        text = "" if self._quit else "\n"
        text += "[interrupted]\n" if interrupted else ""
        text += f"{_FORM_KEPT}\n" if form_open else ""
        self._out.write(text)
        self._out.flush()

    async def _lines(self, stream: TextIO, interactive: bool) -> bool:
        """Answer each line; True if the session ended with ``quit``, False at the end of input."""
        while True:
            line = await read_line(stream, _PROMPT if interactive else None)
            if not line:
                return False
            text = clean(line.rstrip("\n"))
            if not text.strip():
                await self._blank(interactive)
                continue
            if text.strip().lower() in _QUIT:  # a script ends where it says so, as a typed session does
                return True
            if not interactive:
                self._out.write(f"> {text}\n")  # a transcript reads better with what was typed
            await self.say(text)


def _which(buttons: int) -> str:  # how to press one of so many numbered buttons
    return "type 1" if buttons == 1 else f"type a number from 1 to {buttons}"


def _numbered(buttons: list[Button]) -> str:
    return "  ".join(f"[{n}] {b.label}" for n, b in enumerate(buttons, start=1))


def _save(folder: Path, filename: str, payload: bytes) -> Path:
    """Write ``payload`` to a new file in ``folder``: ``leads.csv``, then ``leads-2.csv`` and so on, never over an
    earlier export. Exports hold personal data: the folder and the file are the owner's alone (0700, 0600)."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    stem, suffix = Path(filename).stem, Path(filename).suffix
    path, n = folder / filename, 1
    while True:
        try:
            with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as out:
                out.write(payload)
            return path
        except FileExistsError:
            n += 1
            path = folder / f"{stem}-{n}{suffix}"
