"""Reading the console's input: one line at a time without blocking the event loop, with line editing at a
terminal."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import io
import threading
from collections.abc import Callable
from typing import TextIO

__all__ = ["line_editing", "read_line"]


async def read_line(stream: TextIO, prompt: str | None = None) -> str:
    """The next line of ``stream`` with its newline, or ``""`` at the end of input.

    With a ``prompt`` (a terminal) the line is read with ``input()`` from ``sys.stdin``, so ``readline`` edits it.
    The read runs in a daemon thread, not ``asyncio.to_thread``: on Ctrl-C asyncio cancels the session, and the
    executor's worker, still blocked in the read, would hold the exit until Enter.
    """
    loop = asyncio.get_running_loop()
    done: asyncio.Future[str] = loop.create_future()

    def settle(line: str | None, exc: BaseException | None) -> None:
        if done.done():  # the session was cancelled meanwhile
            return
        if exc is not None:
            done.set_exception(exc)
        else:
            done.set_result(line or "")

    def read() -> None:
        line, exc = None, None
        try:
            line = stream.readline() if prompt is None else input(prompt) + "\n"
        except EOFError:
            line = ""
        except (OSError, ValueError) as error:  # a closed or unreadable stream: the session raises it
            exc = error
        with contextlib.suppress(RuntimeError):  # the loop is closed: the session is over
            loop.call_soon_threadsafe(settle, line, exc)

    threading.Thread(target=read, name="console-input", daemon=True).start()
    return await done


def line_editing(stream: TextIO) -> Callable[[], None]:
    """Turn on line editing and history for ``input()`` and return what puts the terminal back as it was.

    ``readline`` puts the terminal in its own mode while it reads; after Ctrl-C its read is never finished, so the
    terminal's settings are saved here and restored when the session ends. Neither module exists on Windows.
    """
    with contextlib.suppress(ImportError):
        importlib.import_module("readline")  # importing it is what makes input() edit lines
    try:
        import termios
    except ImportError:
        return lambda: None
    try:
        fd = stream.fileno()
        saved = termios.tcgetattr(fd)
    except (OSError, ValueError, io.UnsupportedOperation, termios.error):
        return lambda: None

    def restore() -> None:
        with contextlib.suppress(OSError, termios.error):
            termios.tcsetattr(fd, termios.TCSADRAIN, saved)

    return restore
