"""What an operator meets first, run as a real process: a bad data folder, a fresh install, a bad migration target,
a model that cannot load, and the check-in commands a facilitator scripts."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from storage import Database
from tests.adapters.test_console import run

FAY = ("chat", "--user", "fay", "--role", "facilitator", "--channel", "g", "--now", "2026-03-01T10:00Z")
ANN = ("chat", "--user", "ann", "--channel", "g", "--now", "2026-03-01T10:00Z")
CHANNELS = {"COMMUNITYBOT_HELP_CHANNEL": "help", "COMMUNITYBOT_STAFF_CHANNEL": "staff"}
CONSULT = "consult\nDana Private\ndana@private.org\nskip\n1\nproj\nsoon\nskip\nyes\n1\n"


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


def test_doctor_fails_on_an_unusable_data_folder_and_says_what_to_do(tmp_path: Path) -> None:
    """`doctor` with a file as data folder prints FAIL lines, no traceback, and exits 1."""
    (tmp_path / "afile").write_text("")
    result = run(tmp_path, "doctor", env={"COMMUNITYBOT_DATA_DIR": str(tmp_path / "afile")})
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert (
        f"FAIL  data folder: {tmp_path / 'afile'}: a file is in the way; "
        "set data_dir (COMMUNITYBOT_DATA_DIR) to a folder this user can write\n"
    ) in result.stdout
    assert "FAIL  database: " in result.stdout and "PASS  knowledge:" in result.stdout


def test_doctor_on_a_fresh_install_warns_and_creates_nothing(tmp_path: Path) -> None:
    """Before anything ran: the database is 'not created yet' (a warning, exit 0), and no file or folder is left."""
    result = run(tmp_path, "doctor", env=CHANNELS)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"PASS  data folder: {tmp_path / 'data'}: not created yet; the bot creates it when" in result.stdout
    database = tmp_path / "data" / "communitybot.db"
    assert f"WARN  database: {database} not created yet: `communitybot run`, `chat` or `scheduler" in result.stdout
    assert result.stdout.strip().endswith("no problems, 1 warning")
    assert not (tmp_path / "data").exists()
    run(tmp_path, "chat", stdin="help\n")  # start-up creates and migrates it, as the warning says
    after = run(tmp_path, "doctor", env=CHANNELS)
    assert "PASS  database:" in after.stdout and after.stdout.strip().endswith("all good"), after.stdout


def test_without_a_staff_channel_doctor_and_the_log_say_requests_reach_no_one(tmp_path: Path) -> None:
    """A default install: `doctor` warns that staff_channel is unset and what then does not happen; a consulting
    request is still thanked, and the bot logs one WARNING naming its reference and nothing personal."""
    doctor = run(tmp_path, "doctor", env={"COMMUNITYBOT_HELP_CHANNEL": "help"})
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr
    assert (
        "WARN  staff channel: not set: consulting requests are not announced to staff (they see them only with "
        "`leads list`), no reminders about requests left waiting, and no weekly digest; "
        "set COMMUNITYBOT_STAFF_CHANNEL (or channels.staff)\n"
    ) in doctor.stdout
    sent = run(tmp_path, "chat", "--user", "dana", stdin=CONSULT)
    thanks = "[dm]\nThank you! Your request is L-0001. Someone from the team will be in touch by email.\n\n"
    assert sent.stdout.endswith(thanks), sent.stdout
    warnings = [line.split(" ", 2)[2] for line in sent.stderr.splitlines() if " WARNING " in line]
    assert warnings == [
        "WARNING bot.features.leads: consulting request L-0001 received but not announced: staff_channel is not set"
    ], sent.stderr
    assert "dana" not in sent.stderr.casefold() and "private" not in sent.stderr.casefold()
    with_staff = run(
        tmp_path, "chat", "--user", "eve", stdin=CONSULT.replace("ana", "ve").replace("Dve", "Eve"), env=CHANNELS
    )
    assert " WARNING " not in with_staff.stderr
    assert "[posted to #staff]\n== New consulting request L-0002 ==\nproj\nName: Eve Private\n" in with_staff.stdout


def test_doctor_warns_on_pending_migrations_and_fails_on_an_unknown_revision(tmp_path: Path) -> None:
    """A database one migration behind is migrated at start (WARN); one at a revision the code lacks is a FAIL."""
    run(tmp_path, "db", "upgrade")
    assert run(tmp_path, "db", "downgrade", "-1").returncode == 0
    behind = run(tmp_path, "doctor")
    assert behind.returncode == 0 and "WARN  database:" in behind.stdout, behind.stdout
    assert f"code needs {Database.head_revision()}: `communitybot run`, `chat` or `scheduler tick` migrates it" in (
        behind.stdout
    )
    run(tmp_path, "db", "upgrade")
    with sqlite3.connect(tmp_path / "data" / "communitybot.db") as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999_from_a_newer_version'")
    newer = run(tmp_path, "doctor")
    assert newer.returncode == 1
    assert "is at 9999_from_a_newer_version, which this version does not know" in newer.stdout


def test_downgrade_to_an_unknown_revision_is_one_error_line(tmp_path: Path) -> None:
    """`db downgrade nonexist` names the revision in one line and exits non-zero; the database is unchanged."""
    run(tmp_path, "db", "upgrade")
    result = run(tmp_path, "db", "downgrade", "nonexist")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "Can't locate revision identified by 'nonexist'" in one_error_line(result.stderr)
    assert run(tmp_path, "db", "current").stdout.startswith(f"{Database.head_revision()} ")


def test_doctor_fails_on_a_model_chat_would_refuse_with_the_same_words(tmp_path: Path) -> None:
    """A semantic_model that stops `chat` at start is a FAIL in `doctor`, with chat's own message."""
    env = {"COMMUNITYBOT_SEMANTIC_MODEL": "nonexistent-model"}
    chat = run(tmp_path, "chat", stdin="help\n", env=env)
    assert chat.returncode == 2
    refused = one_error_line(chat.stderr).removeprefix("communitybot: error: ")
    doctor = run(tmp_path, "doctor", env=env)
    assert doctor.returncode == 1 and f"FAIL  sentence vectors: {refused}\n" in doctor.stdout, doctor.stdout
    assert "PASS  sentence vectors: semantic_model 'auto'" in run(tmp_path, "doctor").stdout


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


def test_doctor_passes_on_a_migrated_default_install(tmp_path: Path) -> None:
    """On the embedded defaults after `db upgrade`, with a staff and a help channel set, every check passes and the
    exit code is 0."""
    run(tmp_path, "db", "upgrade")
    result = run(tmp_path, "doctor", env={"COMMUNITYBOT_HELP_CHANNEL": "help", "COMMUNITYBOT_STAFF_CHANNEL": "staff"})
    assert result.returncode == 0, result.stdout
    assert "PASS  staff channel: set: new consulting requests, reminders and the digest go there" in result.stdout
    assert "PASS  help channel: set: questions peers leave unanswered go to staff there" in result.stdout
    assert "PASS  database:" in result.stdout and "PASS  knowledge: 39 recipes loaded" in result.stdout
    assert "PASS  time zones:" in result.stdout and result.stdout.strip().endswith("all good")


def test_doctor_warns_when_peers_first_has_no_help_channel(tmp_path: Path) -> None:
    """Peers-first on and no help channel: a WARN line saying unanswered questions never reach staff, exit 0."""
    run(tmp_path, "db", "upgrade")
    result = run(tmp_path, "doctor", env={"COMMUNITYBOT_HELP_CHANNEL": "", "COMMUNITYBOT_STAFF_CHANNEL": "staff"})
    assert result.returncode == 0, result.stdout
    assert (
        "WARN  help channel: not set: 'Ask a human' reaches only members signed up with `helper on` (with none, "
        "members are told nobody is available), and what they leave unanswered after 4 hours never reaches staff; "
        "set COMMUNITYBOT_HELP_CHANNEL (or channels.help)\n"
    ) in result.stdout
    assert result.stdout.strip().endswith("no problems, 1 warning")
    off = run(
        tmp_path,
        "doctor",
        env={"COMMUNITYBOT_ESCALATION": '{"peers_per_question": 0}', "COMMUNITYBOT_STAFF_CHANNEL": "staff"},
    )
    assert "PASS  help channel: not set: 'Ask a human' tells members nobody is available" in off.stdout
    assert off.stdout.strip().endswith("all good")


def test_kb_gaps_writes_stubs_with_the_questions(tmp_path: Path) -> None:
    """Declined questions become recipe stubs whose front matter lists them, ready to be completed."""
    run(tmp_path, "chat", stdin="who won the football game\nwho won the football match\nbake sourdough bread\n")
    result = run(tmp_path, "kb", "gaps", "--stubs", "stubs")
    assert result.returncode == 0 and "2 recipe stubs written" in result.stdout
    stub = (tmp_path / "stubs" / "won-football-game.md").read_text()
    assert "- who won the football game\n- who won the football match" in stub
    assert result.stdout.endswith(
        "Write each one's title, summary and answer in place of its TODOs; `communitybot kb check stubs` lists what is"
        " left.\n"
    )
    check = run(tmp_path, "kb", "check", "stubs")
    # Not served while a TODO is left: each is named with its line.
    assert check.returncode == 1 and check.stderr.splitlines() == [
        f"{Path('stubs') / name} line {line}: the {field} is still a stub: write it in place of the TODO"
        for name in ("bake-sourdough-bread.md", "won-football-game.md")
        for line, field in ((2, "title"), (3, "summary"), (9 + name.startswith("won"), "answer"))
    ]
    written = stub.replace("'TODO: a title people would search for'", "Who won the game?").replace("summary: TODO", "")
    (tmp_path / "stubs" / "won-football-game.md").write_text(
        written.replace("TODO: write the answer.", "Ask the club.")
    )
    check = run(tmp_path, "kb", "check", "stubs")
    assert check.returncode == 1 and "won-football-game.md" not in check.stderr and "1 recipe OK" in check.stdout


def test_an_output_path_that_cannot_be_written_is_refused_before_the_work(tmp_path: Path) -> None:
    """`report --out afile` died with a FileExistsError traceback, and `kb eval --details missing/x.jsonl` with a
    FileNotFoundError after the whole evaluation had run; both are now usage errors named at once."""
    (tmp_path / "afile").write_text("")
    report = run(tmp_path, "report", "--out", "afile")
    assert report.returncode == 2 and "Traceback" not in report.stderr
    assert report.stderr.endswith("error: argument --out: afile is a file: give a folder to write into\n")
    (tmp_path / "q.jsonl").write_text('{"q": "hello there", "expect": []}\n')
    evaluated = run(tmp_path, "kb", "eval", "--kb", "recipes", "--questions", "q.jsonl", "--details", "gone/x.jsonl")
    assert evaluated.returncode == 2 and "Traceback" not in evaluated.stderr
    assert evaluated.stderr.endswith("error: argument --details: gone/x.jsonl: the folder gone does not exist\n")
