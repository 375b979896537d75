"""Reading the console's lines: Ctrl-C at the prompt ends the session at once, at a terminal or on a pipe."""

from __future__ import annotations

import asyncio
import io
import os
import select
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from adapters.console import ConsoleAdapter
from adapters.terminal import read_line
from bot.events import Event, Reply
from tests.conftest import ROOT

pty = pytest.importorskip("pty")  # no pseudo-terminals on Windows
termios = pytest.importorskip("termios")
fcntl = pytest.importorskip("fcntl")


async def _nothing(event: Event) -> list[Reply]:
    return []


async def test_read_line_gives_each_line_then_nothing_at_the_end() -> None:
    """Lines come with their newline, an empty line as a newline, and the end of input as ''."""
    stream = io.StringIO("ask hi\n\n")
    assert [await read_line(stream) for _ in range(3)] == ["ask hi\n", "\n", ""]


def test_a_cancelled_session_ends_while_a_line_is_still_being_read() -> None:
    """Ctrl-C (asyncio.run cancelling the session) ends it at once, though the read waits for a line that never
    comes: nothing is left for the event loop to wait for at its end."""
    read_end, write_end = os.pipe()
    ended = threading.Event()
    with open(read_end, encoding="utf-8") as stream:

        async def session() -> None:
            task = asyncio.create_task(ConsoleAdapter(_nothing, io.StringIO()).run(stream, interactive=False))
            await asyncio.sleep(0.2)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task

        def main() -> None:
            asyncio.run(session())
            ended.set()

        thread = threading.Thread(target=main, daemon=True)
        thread.start()
        try:
            assert ended.wait(10), "the session was still waiting for a line after it was cancelled"
        finally:
            os.write(write_end, b"quit\n")  # lets a read still waiting end, so the stream can close
            os.close(write_end)
            thread.join(10)


def _own_terminal() -> None:
    """In the child, after setsid: the pseudo-terminal on its stdin becomes its controlling terminal (so Ctrl-C
    typed there sends it SIGINT), as a shell's terminal is for the commands it starts."""
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def _read_until(fd: int, marker: str, timeout: float) -> str:
    """What the terminal shows until ``marker`` (or the timeout, or the end), newlines as ``\\n``."""
    seen, deadline = b"", time.monotonic() + timeout
    while marker.encode() not in seen and time.monotonic() < deadline:
        if select.select([fd], [], [], 0.2)[0]:
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # the other side closed
                break
            if not chunk:
                break
            seen += chunk
    return seen.decode(errors="replace").replace("\r\n", "\n")


def test_ctrl_c_at_the_prompt_exits_at_once_keeping_the_form_and_the_terminal(tmp_path: Path) -> None:
    """At a terminal, Ctrl-C at the prompt of a half-filled form exits 130 at once, says the form is kept, and
    leaves the terminal as it found it (echo and line mode on)."""
    master, slave = pty.openpty()
    before = termios.tcgetattr(slave)
    base = {k: v for k, v in os.environ.items() if not k.startswith(("COMMUNITYBOT_", "DATABASE_URL", "SLACK_"))}
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "chat", "--user", "ann"],
        stdin=slave,
        stdout=slave,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
        env={**base, "PYTHONPATH": str(ROOT), "TERM": "dumb"},
        start_new_session=True,
        preexec_fn=_own_terminal,
    )
    try:
        assert "\n> " in _read_until(master, "\n> ", 120)
        os.write(master, b"consult\n")
        assert "(1/9)" in _read_until(master, "\n> ", 60)
        os.write(master, b"\x03")  # Ctrl-C: the terminal sends SIGINT
        started = time.monotonic()
        code = proc.wait(timeout=20)
        seconds = time.monotonic() - started
        after = _read_until(master, "where you left off.\n", 5)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
        assert proc.stderr is not None
        proc.stderr.close()
    now = termios.tcgetattr(slave)
    os.close(master)
    os.close(slave)
    assert (code, after) == (
        130,
        "\n[interrupted]\nYour unfinished form is kept: the next communitybot chat picks it up where you left off.\n",
    )
    assert seconds < 10
    assert now[3] & (termios.ECHO | termios.ICANON) == before[3] & (termios.ECHO | termios.ICANON)
