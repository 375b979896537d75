"""What an operator meets first, run as a real process: a bad data folder, a fresh install, a bad migration target,
a model that cannot load, and the check-in commands a facilitator scripts."""

from __future__ import annotations

from pathlib import Path

from storage import Database
from tests.adapters.test_console import run

FAY = ("chat", "--user", "fay", "--role", "facilitator", "--channel", "g", "--now", "2026-03-01T10:00Z")
ANN = ("chat", "--user", "ann", "--channel", "g", "--now", "2026-03-01T10:00Z")


def one_error_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("communitybot: error: "), stderr
    return lines[0]


def test_a_file_as_data_folder_is_one_error_line_naming_it(tmp_path: Path) -> None:
    """`chat`, `db upgrade` and `scheduler tick` with a data folder that is a file (or under one) say so in one line."""
    (tmp_path / "afile").write_text("")
    for folder in (tmp_path / "afile", tmp_path / "afile" / "sub"):
        env = {"COMMUNITYBOT_DATA_DIR": str(folder)}
        for command in (("chat",), ("db", "upgrade"), ("scheduler", "tick")):
            result = run(tmp_path, *command, stdin="hi\n", env=env)
            assert result.returncode == 2, (command, result.stdout + result.stderr)
            line = one_error_line(result.stderr)
            assert f"cannot use {folder} as the SQLite database's folder (a file is in the way)" in line
            assert "data_dir" in line


def test_downgrade_to_an_unknown_revision_is_one_error_line(tmp_path: Path) -> None:
    """`db downgrade nonexist` names the revision in one line and exits non-zero; the database is unchanged."""
    run(tmp_path, "db", "upgrade")
    result = run(tmp_path, "db", "downgrade", "nonexist")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "Can't locate revision identified by 'nonexist'" in one_error_line(result.stderr)
    assert run(tmp_path, "db", "current").stdout.startswith(f"{Database.head_revision()} ")


def test_checkin_next_with_tz_is_one_clean_line_per_run(tmp_path: Path) -> None:
    """`checkin next --tz` shows the group's time and the asked zone's, not the reader's own zone nested inside."""
    run(tmp_path, *FAY, stdin="checkin create G --tz Europe/Berlin\ncheckin schedule tue 18:00 --weeks 2\n")
    script = "checkin join\nme tz Asia/Tokyo\ncheckin next --tz America/New_York\ncheckin next\n"
    out = run(tmp_path, *ANN, stdin=script)
    asked, own = out.stdout.split("> checkin next --tz America/New_York\n", 1)[1].split("> checkin next\n")
    assert "• Tue 03 Mar 2026 18:00 CET (America/New_York: Tue 03 Mar 2026 12:00 EST)\n" in asked, asked
    assert "• Tue 10 Mar 2026 18:00 CET (America/New_York: Tue 10 Mar 2026 13:00 EDT)\n" in asked
    assert "your time" not in asked and "JST" not in asked
    assert "• Tue 03 Mar 2026 18:00 CET (your time: Wed 04 Mar 2026 02:00 JST)\n" in own  # no --tz: the reader's zone


def test_adding_a_member_twice_says_they_are_already_in(tmp_path: Path) -> None:
    """The second `checkin add bo` says bo is already a member."""
    out = run(tmp_path, *FAY, stdin="checkin create G --tz Europe/Berlin\ncheckin add bo\ncheckin add bo\n").stdout
    assert out.count("bo is now a member of G.") == 1 and "bo is already a member of G." in out, out
