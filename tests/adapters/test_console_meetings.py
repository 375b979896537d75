"""Meetings on the console, run as a user would (the README's script): a real process with piped stdin."""

from __future__ import annotations

from pathlib import Path

from tests.adapters.test_console import run


def test_scripted_meetings_session_keeps_18_00_across_the_november_change(tmp_path: Path) -> None:
    """A facilitator schedules weekly meetings in New York; the reminders before and after 1 November say 18:00."""
    fay = ("chat", "--user", "fay", "--role", "facilitator", "--channel", "maps", "--now", "2026-10-21T12:00Z")
    setup = run(
        tmp_path,
        *fay,
        stdin=(
            'checkin create Maps Circle --tz America/New_York\nmeetings schedule tue 18:00 --weeks 2 --place "Room 2"\n'
        ),
    )
    assert (
        "Scheduled 2 meeting(s) of Maps Circle: first Tue 27 Oct 2026 18:00 EDT, "
        "last Tue 03 Nov 2026 18:00 EST, 90 minutes, at Room 2."
    ) in setup.stdout, setup.stdout + setup.stderr
    before = run(tmp_path, "scheduler", "tick", "--now", "2026-10-26T22:00Z")  # 18:00 EDT less 24 h
    assert (
        "[posted to #maps]\n== Meeting reminder: Maps Circle ==\n"
        "Maps Circle meets Tue 27 Oct 2026 18:00 EDT, at Room 2. Are you coming?"
    ) in before.stdout, before.stdout + before.stderr
    after = run(tmp_path, "scheduler", "tick", "--now", "2026-11-02T23:00Z")  # 18:00 EST less 24 h
    assert (
        "[posted to #maps]\n== Meeting reminder: Maps Circle ==\n"
        "Maps Circle meets Tue 03 Nov 2026 18:00 EST, at Room 2. Are you coming?"
    ) in after.stdout, after.stdout + after.stderr
    # The first meeting's reflections summary fell due days ago (nobody ticked): too late to send, so it is not.
    assert "tick at 2026-11-02T23:00:00+00:00: 1 message(s)" in after.stdout
