"""Meetings on the console, run as a user would (the README's script): a real process with piped stdin."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.adapters.test_console import run
from tests.conftest import ROOT


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
        "Scheduled 2 meetings of Maps Circle: first Tue 27 Oct 2026 18:00 EDT, "
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
    assert "tick at 2026-11-02 23:00 UTC: 1 message" in after.stdout


def readme_script(*sections: str) -> str:
    """The first ``sh`` block of each README section, in order, as one script stopping at the first failure."""
    readme = (ROOT / "README.md").read_text()
    blocks = []
    for heading in sections:
        block = re.search(r"```sh\n(.*?)```", readme.split(f"\n{heading}\n", 1)[1], re.S)
        assert block is not None, heading
        blocks.append(block.group(1))
    return "set -e\n" + "\n".join(blocks)


def shell_env(tmp_path: Path) -> dict[str, str]:
    """A shell's environment where ``communitybot`` is this checkout's, with none of the caller's settings."""
    shim = tmp_path / "bin" / "communitybot"
    shim.parent.mkdir()
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m bot "$@"\n')
    shim.chmod(0o755)
    base = {k: v for k, v in os.environ.items() if not k.startswith(("COMMUNITYBOT_", "DATABASE_URL", "SLACK_"))}
    return {**base, "PYTHONPATH": str(ROOT), "PATH": f"{shim.parent}{os.pathsep}{base.get('PATH', '')}"}


def test_readme_examples_run_in_order_on_a_fresh_data_dir(tmp_path: Path) -> None:
    """Check-ins, Meetings and Calendars as the README has them, pasted in order: each prints what the README says."""
    env = shell_env(tmp_path)
    script = readme_script("### Study-group check-ins", "### Meetings", "### Calendars and time zones")
    done = subprocess.run(
        ["bash", "-c", script], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=600, check=False
    )
    out = done.stdout
    assert done.returncode == 0, out + done.stderr
    assert "already has a study group" not in out
    assert (
        "[posted to #nyc-maps]\n== Meeting reminder: NYC Maps ==\nNYC Maps meets Tue 27 Oct 2026 18:00 EDT, at Room 2. "
        "Are you coming? (Answer with `meetings going` or `meetings cant` in #nyc-maps.)"
    ) in out
    assert "> meetings going\n[ephemeral]\nSee you Tue 27 Oct 2026 18:00 EDT!" in out
    assert "Thanks, your reflection is saved; the facilitator sees it with the others." in out
    assert "• Tue 27 Oct 2026 18:00 EDT: going 1, can't 0, checked in 0, reflections 1, rating 5.0" in out
    readme = (ROOT / "README.md").read_text()
    said = re.search(r"checkin next.*?\n# (• .*?)\n", readme.split("\n### Calendars and time zones\n", 1)[1], re.S)
    assert said is not None
    assert out.split("== Next check-ins of Maps Circle ==\n", 1)[1].startswith(said.group(1) + "\n"), out
