"""Peers before staff and gaps that close themselves on the command line: real processes, piped stdin."""

from __future__ import annotations

import asyncio
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

from storage import Database
from tests.adapters.test_console import run
from tests.adapters.test_console_meetings import readme_script, shell_env
from tests.bot.features.escalations.seed import answer_and_solve, solved_thread, thread_for

ENV = {"COMMUNITYBOT_HELP_CHANNEL": "help", "COMMUNITYBOT_KNOWLEDGE_DIRS": '["ours"]'}
ANSWER = "Ask each member what changed for them, then move the meeting to a time that suits the group."


def seed(tmp_path: Path, work: str) -> None:
    """What the threads feature records (a solved thread credited to pat; the thread Ann asked in), done directly."""

    async def go() -> None:
        db = Database(f"sqlite+aiosqlite:///{tmp_path / 'data' / 'communitybot.db'}")
        now = datetime.now(UTC)
        if work == "history":
            await solved_thread(db, "console", "desk", "t0", "our cohort keeps dwindling fast", "pat", now)
        else:
            await thread_for(db, "console", "general", "t1", "ann", "my cohort is dwindling", 1, now)
            await answer_and_solve(db, "console", "general", "t1", "pat", now)
        await db.close()

    asyncio.run(go())


def test_the_console_does_it_all(tmp_path: Path) -> None:
    """helper on, Ask a human DMs pat, a tick later staff hear of it; Save as recipe, publish, Ann is told."""
    (tmp_path / "ours").mkdir()
    assert (
        "Thanks! When a member presses" in run(tmp_path, "chat", "--user", "pat", stdin="helper on\n", env=ENV).stdout
    )
    seed(tmp_path, "history")
    asked = run(
        tmp_path, "chat", "--user", "ann", "--channel", "general", stdin="ask my cohort is dwindling\n1\n", env=ENV
    )
    assert "I don't have a recipe for that yet.\n[1] Ask a human\n" in asked.stdout, asked.stderr  # nothing close
    assert (
        "[dm to pat]\n== Can you help another member? ==\nann asked: my cohort is dwindling\n"
        "You helped with questions like this before. If you can answer, please reply in the thread: "
        "#general, thread 1\n"
    ) in asked.stdout
    assert (
        "[ephemeral]\nI've asked 1 member familiar with questions like this. If nobody answers in 4 hours, "
        "I'll pass it to the team.\n"
    ) in asked.stdout
    later = (datetime.now(UTC) + timedelta(hours=5)).isoformat(timespec="minutes")
    ticked = run(tmp_path, "scheduler", "tick", "--now", later, env=ENV)
    assert "[posted to #help]\n== A question for a human ==\nann asked: my cohort is dwindling\n" in ticked.stdout
    assert ticked.stdout.endswith(": 1 message\n"), ticked.stdout + ticked.stderr

    seed(tmp_path, "solved")
    ticked = run(tmp_path, "scheduler", "tick", "--now", later, env=ENV)
    assert "== Solved by a person: save it as a recipe? ==" in ticked.stdout, ticked.stdout + ticked.stderr
    staff = f"kb save 1\n{ANSWER}\nskip\nkb drafts\nkb publish cohort-dwindling\nkb escalations\n"
    done = run(tmp_path, "chat", "--user", "sam", "--role", "staff", stdin=staff, env=ENV)
    assert "Draft `cohort-dwindling` saved for review." in done.stdout, done.stdout + done.stderr
    assert "`cohort-dwindling`  My cohort is dwindling (1 example question)" in done.stdout
    assert "Published `cohort-dwindling`: My cohort is dwindling. I told 1 member who asked about it." in done.stdout
    today = datetime.now(UTC)
    assert (
        "[dm to ann]\n== My cohort is dwindling ==\nYou asked “my cohort is dwindling” on "
        f"{today.day} {today:%B %Y}; here is the answer now.\n\n{ANSWER}"
    ) in done.stdout
    assert "Q1 [solved] my cohort is dwindling (peers asked: 1; " in done.stdout
    assert (tmp_path / "ours" / "cohort-dwindling.md").exists()


def test_the_readmes_walk_through_runs_as_written_and_again(tmp_path: Path) -> None:
    """The README's peers-and-escalations example, pasted into a shell in a fresh folder, runs in order: the draft it
    publishes is the one its `kb save` wrote, and Ann is told.

    Pasted a second time in the same folder (one test, so the first run is not repeated: each is five processes), the
    walk-through does not write a second draft that `kb publish` then refuses (it did, leaving it in the review
    folder): `kb save 1` names the recipe that answers question 1 and `kb publish` says it is published already; the
    first run's question reads as answered by that recipe."""
    script = readme_script("## Peers and escalations")
    env = shell_env(tmp_path)

    def walk() -> str:
        done = subprocess.run(
            ["bash", "-c", script], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=300, check=False
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    first = walk()
    assert "Thread: #general, thread 1\n(question 1;" in first  # the staff post after peers
    assert "Draft `cohort-dwindling` saved for review." in first
    assert "Published `cohort-dwindling`: My cohort is dwindling. I told 1 member who asked about it." in first
    assert "[dm to ann]\n== My cohort is dwindling ==\n" in first
    assert (tmp_path / "peers-demo" / "ours" / "cohort-dwindling.md").exists()

    again = walk()
    assert "Q1 [answered by a recipe] my cohort is dwindling (peers asked: 1; 2 March 2026)" in again
    assert (
        "> kb save 1\n[ephemeral]\nQuestion 1 is already answered by the recipe `cohort-dwindling` (My cohort is "
        "dwindling): edit its file to change the answer (`kb show cohort-dwindling` shows it).\n"
    ) in again
    assert "> kb drafts\n[ephemeral]\nNo drafts. “Save as recipe” on a solved question writes one.\n" in again
    assert (
        "> kb publish cohort-dwindling\n[ephemeral]\n`cohort-dwindling` is already published: no draft of that name "
        "is waiting. `kb drafts` lists drafts.\n"
    ) in again
    assert not list((tmp_path / "peers-demo" / "drafts").glob("*.md"))
