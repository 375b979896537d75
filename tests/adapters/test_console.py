"""The console adapter and the command line, run as a user would: a real process with piped stdin."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from adapters.console import ConsoleAdapter
from bot.events import Button, Event, Reply, Visibility
from storage import Database
from tests.conftest import ROOT
from tests.fixtures import RETENTION_PAGE, own_recipes_env


def run(
    tmp_path: Path, *args: str, stdin: str = "", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("COMMUNITYBOT_", "DATABASE_URL", "SLACK_"))}
    base["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**base, **(env or {})},
        timeout=120,
        check=False,
    )


def test_scripted_session_answers_each_line(tmp_path: Path) -> None:
    """With stdin not a terminal, each line is one message and replies go to stdout."""
    result = run(tmp_path, "chat", stdin="help\nask how long is a meeting\n")
    assert result.returncode == 0, result.stderr
    assert "== What I can do ==" in result.stdout
    assert "== How long and how often should a learning circle meet? ==" in result.stdout
    assert "Read more: https://docs.p2pu.org/" in result.stdout
    database = tmp_path / "data" / "communitybot.db"  # personal data: the owner's alone
    assert [oct(p.stat().st_mode & 0o777) for p in (database.parent, database)] == ["0o700", "0o600"]


def test_quit_ends_a_scripted_session(tmp_path: Path) -> None:
    """``quit`` in a piped script ends it, as it does when typed: it is not asked as a question, and later lines are
    not read."""
    result = run(tmp_path, "chat", stdin="help\nquit\nask how long is a meeting\n")
    assert result.returncode == 0, result.stderr
    assert "== What I can do ==" in result.stdout
    assert "quit" not in result.stdout.split("== What I can do ==", 1)[1]
    assert "How long" not in result.stdout


def test_help_with_punctuation_shows_help(tmp_path: Path) -> None:
    """``help!``, ``help?`` and ``help.`` show the same list as ``help``, not a small-talk reply."""
    result = run(tmp_path, "chat", stdin="help\nhelp!\nhelp?\nhelp.\n")
    assert result.returncode == 0, result.stderr
    said = [step.strip() for step in ("\n" + result.stdout).split("\n> ")[1:]]
    assert [s.partition("\n")[0] for s in said] == ["help", "help!", "help?", "help."]
    listed = said[0].partition("\n")[2]
    assert listed.startswith("[ephemeral]\n== What I can do ==\nI answer how-to questions")
    assert listed.endswith("You are acting as: member.")
    assert [s.partition("\n")[2] for s in said[1:]] == [listed, listed, listed]


def test_ask_json_names_the_group_size_recipe(tmp_path: Path) -> None:
    """`communitybot ask --json` prints the recipe id, title, score and text."""
    result = run(tmp_path, "ask", "--json", "how many people should be in a learning circle?")
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["id"] == "circles/group-size" and answer["title"] == "How big should a learning circle be?"
    assert 0 < answer["score"] <= 1 and "4 to 12 learners" in answer["text"]


def test_ask_declines_off_topic_with_exit_code_1(tmp_path: Path) -> None:
    """An off-topic question says the bot is not sure and exits 1."""
    result = run(tmp_path, "ask", "who won the football game")
    assert result.returncode == 1 and "not sure" in result.stdout


def test_form_resumes_after_restart(tmp_path: Path) -> None:
    """A consult form half filled in one process is finished in the next, and staff can then see the lead."""
    first = run(tmp_path, "chat", "--user", "ann", stdin="consult\nAnn Lee\nann@example.org\n")
    assert "(3/9): Organization" in first.stdout, first.stdout + first.stderr
    second = run(tmp_path, "chat", "--user", "ann", stdin="Library\n2\nA course on maps\nMay\nskip\nyes\nskip\n")
    assert "You have an unfinished form. Work with P2PU (3/9): Organization" in second.stdout
    assert "Your request is L-0001" in second.stdout
    staff = run(tmp_path, "chat", "--user", "sam", "--role", "staff", stdin="leads list\nleads export\n")
    assert "L-0001 [new] Ann Lee, Library: Course design" in staff.stdout
    assert (tmp_path / "data" / "exports" / "leads.csv").read_text().count("L-0001") == 1


def test_unreachable_database_is_named_with_password_masked(tmp_path: Path) -> None:
    """A database that cannot be reached gives one clear line naming the URL, never the password."""
    env = {"DATABASE_URL": "postgresql+asyncpg://bob:hunter2@127.0.0.1:9/bot"}
    result = run(tmp_path, "db", "upgrade", env=env)
    assert result.returncode == 2
    assert "cannot reach the database at postgresql+asyncpg://bob:***@127.0.0.1:9/bot" in result.stderr
    assert "hunter2" not in result.stderr + result.stdout


def test_bad_setting_fails_at_start_naming_the_key(tmp_path: Path) -> None:
    """A bad value in the YAML file stops the bot with the key named."""
    (tmp_path / "communitybot.yaml").write_text("answer_threshold: 3\n")
    result = run(tmp_path, "chat", stdin="help\n")
    assert result.returncode == 2 and "setting 'answer_threshold'" in result.stderr


def test_config_show_masks_secrets(tmp_path: Path) -> None:
    """`config show` prints settings with tokens masked."""
    result = run(tmp_path, "config", "show", env={"SLACK_BOT_TOKEN": "xoxb-secret-1"})
    assert result.returncode == 0 and "slack_bot_token: '********'" in result.stdout
    assert "xoxb-secret-1" not in result.stdout


@pytest.mark.parametrize("args", [("ask", "how do I find a venue"), ("config", "show"), ("chat",)])
def test_a_reader_that_goes_away_stops_the_command_quietly(tmp_path: Path, args: tuple[str, ...]) -> None:
    """`communitybot ask ... | head -1` and the like: when the pipe closes, no BrokenPipeError traceback, and the exit
    status a shell gives a tool stopped by a closed pipe (141)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COMMUNITYBOT_", "DATABASE_URL", "SLACK_"))}
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(ROOT)},
    )
    assert proc.stdout is not None and proc.stdin is not None
    proc.stdout.close()  # long before the command writes anything: Python takes longer than this to start
    _, stderr = proc.communicate(b"help\nask how do I find a venue\n", timeout=120)
    assert (proc.returncode, stderr.decode()) == (141, "")


def test_scheduler_tick_says_when_to_the_minute_with_the_zone(tmp_path: Path) -> None:
    """`scheduler tick` names its time to the minute with the zone: the real clock's (no microseconds), UTC, or the
    offset `--now` gave."""
    now = run(tmp_path, "scheduler", "tick")
    assert now.returncode == 0, now.stderr
    assert re.fullmatch(r"tick at \d{4}-\d\d-\d\d \d\d:\d\d UTC: 0 messages\n", now.stdout), now.stdout
    berlin = run(tmp_path, "scheduler", "tick", "--now", "2026-03-03T18:00:30.5+01:00")
    assert berlin.stdout == "tick at 2026-03-03 18:00 UTC+01:00: 0 messages\n"


def test_chat_keeps_info_log_lines_out_of_the_conversation(tmp_path: Path) -> None:
    """Pressing Helpful (which reloads the knowledge base) shows the thanks and no INFO line; `--log-level INFO`
    still shows them."""
    script = "ask how many people should be in a learning circle?\n1\n"
    quiet = run(tmp_path, "chat", stdin=script)
    assert quiet.returncode == 0 and quiet.stderr == ""
    assert quiet.stdout.split("> 1\n")[1] == (
        "[ephemeral]\nThanks! I'll remember that this answer fits questions like yours.\n\n"
    )
    told = run(tmp_path, "--log-level", "INFO", "chat", stdin="help\n")
    assert "INFO bot.main.wiring: knowledge base: 39 recipes loaded" in told.stderr


def test_kb_check_reports_file_and_line(tmp_path: Path) -> None:
    """`kb check` exits non-zero listing the file and line of each broken recipe."""
    folder = tmp_path / "kb"
    folder.mkdir()
    (folder / "ok.md").write_text("# Fine\n")
    (folder / "bad.md").write_text("---\ntitle: x\ntags: [\n---\n")
    result = run(tmp_path, "kb", "check", str(folder))
    assert result.returncode == 1
    assert f"{folder / 'bad.md'} line 4, column 1: front matter is not valid YAML" in result.stderr
    assert "1 recipe OK, 1 with errors" in result.stdout


def test_kb_check_base_url_checks_a_docs_tree_as_knowledge_dirs_imports_it(tmp_path: Path) -> None:
    """`kb check --base-url URL PATH` reads PATH as an imported docs tree: GitBook front matter is fine and the table
    of contents is no recipe; without it the same folder fails as recipes."""
    folder = tmp_path / "docs"
    (folder / "guide").mkdir(parents=True)
    (folder / "SUMMARY.md").write_text("# Contents\n\n* [Venue](guide/venue.md)\n")
    (folder / "guide" / "venue.md").write_text("---\ndescription: Rooms\n---\n# Finding a venue\n\nTry a library.\n")
    (folder / "guide" / "size.md").write_text("# Group size\n\nAbout 4 to 12 learners.\n")
    as_recipes = run(tmp_path, "kb", "check", str(folder))
    assert (as_recipes.returncode, as_recipes.stdout) == (1, "2 recipes OK, 1 with errors\n")
    assert as_recipes.stderr == f"{folder / 'guide' / 'venue.md'} line 2: unknown front matter key 'description'\n"
    as_docs = run(tmp_path, "kb", "check", "--base-url", "https://docs.example.org/", str(folder))
    assert (as_docs.returncode, as_docs.stdout, as_docs.stderr) == (0, "2 recipes OK, 0 with errors\n", "")


def test_db_commands_round_trip(tmp_path: Path) -> None:
    """`db upgrade`, `db downgrade base` and `db current` report the revision."""
    assert f"is at revision {Database.head_revision()}" in run(tmp_path, "db", "upgrade").stdout
    assert "is at revision base" in run(tmp_path, "db", "downgrade", "base").stdout
    assert run(tmp_path, "db", "current").stdout.startswith("base (empty)")


def test_db_downgrade_to_an_unknown_revision_lists_the_known_ones(tmp_path: Path) -> None:
    """A mistyped revision is refused with the revisions that exist, not Alembic's bare "Can't locate revision"."""
    run(tmp_path, "db", "upgrade")
    result = run(tmp_path, "db", "downgrade", "0015_link_people")
    url = f"sqlite+aiosqlite:///{tmp_path / 'data' / 'communitybot.db'}"
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        f"communitybot: error: cannot downgrade {url} to '0015_link_people': Can't locate revision identified by "
        f"'0015_link_people'; give base, -N or one of {', '.join(Database.revisions())}\n"
    )
    assert Database.revisions()[0] == "0001" and Database.revisions()[-1] == Database.head_revision()
    assert run(tmp_path, "db", "current").stdout.startswith(f"{Database.head_revision()} ")


def test_installed_command_exists() -> None:
    """The package installs a `communitybot` command next to this Python."""
    bindir = Path(sys.executable).parent
    if not (bindir / "communitybot").exists():
        pytest.skip(f"the package is not installed into {bindir}")
    result = subprocess.run([bindir / "communitybot", "--help"], capture_output=True, text=True, check=False)
    assert result.returncode == 0 and "chat" in result.stdout


async def test_buttons_become_numbered_choices(tmp_path: Path) -> None:
    """A reply's buttons print as [1] [2]; typing the number presses the button."""
    pressed: list[Event] = []

    async def handle(event: Event) -> list[Reply]:
        pressed.append(event)
        return [Reply("Pick one", buttons=(Button("Yes", "t:yes", "1"), Button("No", "t:no", "2")))]

    out = io.StringIO()
    console = ConsoleAdapter(handle, out, export_dir=tmp_path)
    await console.say("hello")
    assert "[1] Yes  [2] No" in out.getvalue()
    await console.say("2")
    assert getattr(pressed[-1], "action_id", None) == "t:no"


async def test_private_and_elsewhere_replies_are_marked(tmp_path: Path) -> None:
    """Ephemeral replies and posts to other channels are labelled, so a transcript shows who saw what."""
    console = ConsoleAdapter(lambda e: None, io.StringIO(), export_dir=tmp_path)  # type: ignore[arg-type,return-value]
    assert console.render(Reply("hi", visibility=Visibility.DM)).startswith("[dm]")
    assert console.render(Reply("new lead", channel="staff")).startswith("[posted to #staff]")


def test_scripted_lead_lifecycle(tmp_path: Path) -> None:
    """A member submits a lead; staff list, assign, qualify, export and forget it; a tick reminds about a new one."""
    (tmp_path / "communitybot.yaml").write_text("staff_channel: staff\n")
    member = run(
        tmp_path,
        "chat",
        "--user",
        "ann",
        "--channel",
        "general",
        stdin="consult\nAnn Lee\nann@example.org\nRiverside Library\ntraining\nTrain 10 librarians\nMarch\n"
        "skip\nyes\nno\n",
    )
    assert "[dm]\nThank you! Your request is L-0001." in member.stdout, member.stdout
    assert "[posted to #staff]\n== New consulting request L-0001 ==" in member.stdout
    staff = run(
        tmp_path,
        "chat",
        "--user",
        "sam",
        "--role",
        "staff",
        stdin="leads list\nleads assign L-0001\nleads status L-0001 qualified\nleads export\nleads export\n"
        "leads forget ann@example.org\nleads show L-0001\n",
    )
    out = staff.stdout
    assert "L-0001 [new] Ann Lee, Riverside Library: Facilitator training" in out
    assert "L-0001: assigned to console:sam." in out
    assert "L-0001: status is now qualified." in out
    assert "Saved leads.csv to" in out and "Saved leads-2.csv to" in out  # a second export never overwrites one
    exports = tmp_path / "data" / "exports"  # personal data: nobody else on the machine may read it
    assert [oct(p.stat().st_mode & 0o777) for p in (exports, exports / "leads.csv")] == ["0o700", "0o600"]
    assert "Erased the personal details of 1 lead: L-0001" in out
    assert out.rsplit("> leads show L-0001", 1)[1].count("Ann") == 0
    tick = run(tmp_path, "scheduler", "tick", "--now", "2099-01-01T00:00:00Z")
    assert tick.returncode == 0 and tick.stdout == "tick at 2099-01-01 00:00 UTC: 0 messages\n"
    run(tmp_path, "chat", "--user", "bo", stdin="consult\nBo\nbo@example.org\nOrg\n1\nHelp us\nSoon\nskip\nyes\nno\n")
    tick = run(tmp_path, "scheduler", "tick", "--now", "2099-01-01T00:00:00Z")
    assert "== Waiting for a reply: L-0002 ==" in tick.stdout and "1 message" in tick.stdout


def test_tick_rejects_a_time_without_zone(tmp_path: Path) -> None:
    """`scheduler tick --now` insists on an explicit zone."""
    result = run(tmp_path, "scheduler", "tick", "--now", "2026-03-02T09:00")
    assert result.returncode == 2 and "has no time zone" in result.stderr


def test_scripted_checkin_session(tmp_path: Path) -> None:
    """A facilitator creates and schedules a group; ticks show the prompt, the reminder and the summary."""
    fay = ("chat", "--user", "fay", "--role", "facilitator", "--channel", "maps", "--now", "2026-03-01T10:00Z")
    setup = run(
        tmp_path,
        *fay,
        stdin="checkin create Maps Circle --tz Europe/Berlin\ncheckin schedule tue 18:00 --weeks 6\ncheckin add bo\n",
    )
    assert "The first check-in is Tue 03 Mar 2026 18:00 CET" in setup.stdout, setup.stdout + setup.stderr
    prompt = run(tmp_path, "scheduler", "tick", "--now", "2026-03-03T17:00:00Z")
    assert "[posted to #maps]\n== Check-in: Maps Circle ==" in prompt.stdout
    ann = run(
        tmp_path,
        "chat",
        "--user",
        "ann",
        "--channel",
        "maps",
        "--now",
        "2026-03-03T17:10Z",
        stdin="checkin answer\nRead chapter 1\nChapter 2\nstuck on projections\n",
    )
    assert "Thanks, your check-in is saved" in ann.stdout
    reminder = run(tmp_path, "scheduler", "tick", "--now", "2026-03-03T21:00:00Z")
    assert "[dm to bo]\nA gentle reminder" in reminder.stdout and "[dm to ann]" not in reminder.stdout
    assert "You can answer by typing `checkin answer Maps Circle`." in reminder.stdout  # no button to press here
    summary = run(tmp_path, "scheduler", "tick", "--now", "2026-03-04T17:00:00Z")
    assert "== Check-in summary: Maps Circle, Tue 03 Mar ==" in summary.stdout
    assert "⚠ ann: stuck on projections" in summary.stdout and "Not answered this time: bo, fay" in summary.stdout


def test_kb_eval_reports_quality_as_json(tmp_path: Path) -> None:
    """`kb eval --json` answers each question through the shipped search and reports the fractions and timings."""
    kb = tmp_path / "kb"
    kb.mkdir()
    (kb / "weather.md").write_text(
        '---\ntitle: Weather\nquestions: ["will it rain today", "what is the forecast"]\n---\nx\n'
    )
    (kb / "guide.md").write_text("# Setting up a study space\n\nFind a quiet room with wifi and power.\n")
    questions = tmp_path / "q.jsonl"
    questions.write_text(
        '{"q": "is it going to rain today", "expect": ["weather"]}\n'
        '{"q": "how do I set up a study space", "expect": ["guide#setup"]}\n'
        '{"q": "who won the football game", "expect": []}\n'
        '{"q": "bring snacks?", "expect": ["snacks"]}\n'
    )
    details = tmp_path / "details.jsonl"
    result = run(
        tmp_path, "kb", "eval", "--kb", str(kb), "--questions", str(questions), "--json", "--details", str(details)
    )
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["n_in_scope"] == 3 and summary["n_oos"] == 1
    assert round(summary["in_scope_top1"], 4) == 0.6667 and summary["oos_recall"] == 1.0
    assert f"{questions}: expected ids not in the knowledge base (counted as misses): snacks" in result.stderr
    for key in ("in_scope_answered_correct", "p50_ms", "p99_ms", "index_build_s"):
        assert key in summary
    assert [json.loads(line)["top"] for line in details.read_text().splitlines()][:2] == ["weather", "guide"]
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"q": "fine", "expect": []}\nnot json\n')
    result = run(tmp_path, "kb", "eval", "--kb", str(kb), "--questions", str(bad))
    assert result.returncode == 2 and f"{bad}:2: expected" in result.stderr


def test_kb_eval_prints_the_reliability_bins_as_a_table(tmp_path: Path) -> None:
    """Without --json the reliability bins are an aligned table under the other numbers, not a Python list."""
    kb = tmp_path / "kb"
    kb.mkdir()
    (kb / "weather.md").write_text('---\ntitle: Weather\nquestions: ["will it rain today"]\n---\nx\n')
    questions = tmp_path / "q.jsonl"
    questions.write_text('{"q": "will it rain today", "expect": ["weather"]}\n')
    result = run(tmp_path, "kb", "eval", "--kb", str(kb), "--questions", str(questions))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    at = lines.index("reliability:")
    assert lines[at - 1].startswith("ece: ") and lines[at + 3].startswith("p50_ms: ")
    assert re.fullmatch(r"  bin      n  confidence  accuracy", lines[at + 1])
    assert re.fullmatch(r"  0\.[0-9]-[01]\.[0-9]  1      [01]\.[0-9]{4}    1\.0000", lines[at + 2]), lines[at + 2]


def test_run_slack_explains_what_is_missing(tmp_path: Path) -> None:
    """`run slack` without tokens names the missing variables for the mode asked for."""
    result = run(tmp_path, "run", "slack", "--http")
    assert result.returncode == 2 and "HTTP mode needs SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET" in result.stderr
    result = run(tmp_path, "run", "slack", env={"SLACK_BOT_TOKEN": "xoxb-1"})
    assert result.returncode == 2 and "Socket Mode needs SLACK_APP_TOKEN" in result.stderr


def test_doctor_says_whether_starter_recipes_load_with_a_docs_tree(tmp_path: Path) -> None:
    """With a docs tree in knowledge_dirs, doctor has a line saying whether the starter recipes are loaded too;
    without one, no such line."""
    run(tmp_path, "db", "upgrade")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "venue.md").write_text("# Finding a venue\n\nTry a library.\n")
    docs = {"COMMUNITYBOT_KNOWLEDGE_DIRS": '[{"path": "docs", "base_url": "https://docs.example.org/"}]'}
    alone = run(tmp_path, "doctor", env={"COMMUNITYBOT_HELP_CHANNEL": "help", **docs})
    assert alone.returncode == 0, alone.stdout
    assert (
        "\nPASS  knowledge: 1 recipe loaded\nPASS  starter recipes: not loaded: answers come from "
        "knowledge_dirs only (the docs tree at https://docs.example.org/); set starter_recipes: true to keep them "
        "beside it\n" in alone.stdout
    )
    both = run(tmp_path, "doctor", env={"COMMUNITYBOT_STARTER_RECIPES": "true", **docs})
    assert (
        "\nPASS  knowledge: 40 recipes loaded\nPASS  starter recipes: also loaded (39 alongside the docs tree at "
        "https://docs.example.org/); set starter_recipes: false (COMMUNITYBOT_STARTER_RECIPES=false) to answer "
        "from your own folders only\n" in both.stdout
    )
    assert "starter recipes" not in run(tmp_path, "doctor").stdout


def test_doctor_fails_with_what_to_do_and_never_prints_secrets(tmp_path: Path) -> None:
    """A misshapen token and a missing Slack mode each fail with advice; no secret shown."""
    env = {"SLACK_BOT_TOKEN": "not-a-token-secret123"}
    result = run(tmp_path, "doctor", env=env)
    assert result.returncode == 1
    assert "FAIL  SLACK_BOT_TOKEN: set, does not look like one" in result.stdout
    assert "FAIL  Slack mode: set SLACK_APP_TOKEN" in result.stdout
    assert "secret123" not in result.stdout + result.stderr
    bad_db = run(tmp_path, "doctor", env={"DATABASE_URL": "postgresql+asyncpg://bob:hunter2@127.0.0.1:9/x"})
    assert "FAIL  database: cannot reach the database at postgresql+asyncpg://bob:***@127.0.0.1:9/x" in bad_db.stdout
    assert "hunter2" not in bad_db.stdout


def test_invalid_utf8_input_is_replaced_and_the_session_goes_on(tmp_path: Path) -> None:
    """Bytes that are not UTF-8 on stdin become U+FFFD; the line is answered and so are the next ones."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("COMMUNITYBOT_", "DATABASE_URL", "SLACK_"))}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "chat"],
        input=b"ask how long is a \xff\xfe meeting\nhelp\n",
        capture_output=True,
        cwd=tmp_path,
        env={**base, "PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "utf-8"},
        timeout=120,
        check=False,
    )
    out = result.stdout.decode()
    assert result.returncode == 0, result.stderr.decode()
    answer = "== How long and how often should a learning circle meet? =="
    assert f"> ask how long is a \ufffd\ufffd meeting\n{answer}" in out
    assert "== What I can do ==" in out.split("> help\n", 1)[1]


def _handbook(tmp_path: Path) -> None:
    """A docs tree imported with a base_url (so the starter recipes stay out), with one long section."""
    docs = tmp_path / "handbook"
    docs.mkdir()
    (docs / "retention.md").write_text(RETENTION_PAGE)
    (tmp_path / "communitybot.yaml").write_text(
        'knowledge_dirs:\n  - {path: handbook, base_url: "https://docs.example.org/"}\n'
    )


def test_a_docs_passage_says_read_more_once_and_its_button_shows_the_link(tmp_path: Path) -> None:
    """A docs answer from part of a section has a "Read more" button and no "Read more:" line; pressing it shows the
    whole section with its link."""
    _handbook(tmp_path)
    result = run(tmp_path, "chat", stdin="ask someone missed a session, should I send them a note?\n3\n")
    assert result.returncode == 0, result.stderr
    title = "== Retention › Follow up after a missed meeting =="
    assert result.stdout == (
        "> ask someone missed a session, should I send them a note?\n"
        f"{title}\n"
        "Send a short, friendly note to anyone who missed a session. Ask how they are doing, not why they were "
        "absent. Share what the group covered so catching up feels possible. Invite them to the next meeting by "
        "name.\n"
        "[1] Helpful  [2] Not helpful  [3] Read more  [4] Ask a human\n\n"
        "> 3\n"
        f"{title}\n"
        "## Follow up after a missed meeting\n\n"
        "Send a short, friendly note to anyone who missed a session. Ask how they are doing, not why they were "
        "absent. Share what the group covered so catching up feels possible. Invite them to the next meeting by "
        "name. Most people come back when someone notices they were gone. Keep the note short and warm.\n\n"
        "If two meetings go by, try a phone call instead of another message. Some people drift away because the "
        "schedule changed for them, others because they fell behind on the material and feel embarrassed. A call "
        "lets you hear which it is. Offer a buddy from the group who can walk them through what they missed, or "
        "suggest they join for the discussion even without having done the reading. Leave the door open either "
        "way: people who step out for a while often return for the next circle.\n"
        "Read more: https://docs.example.org/retention#follow-up-after-a-missed-meeting\n\n"
    )


def test_a_decline_from_docs_says_docs_not_recipes(tmp_path: Path) -> None:
    """With a docs tree imported, a question nothing answers is "not in the docs", not "no recipe"; with the starter
    recipes loaded too, "not in the docs or the recipes"."""
    _handbook(tmp_path)
    script = "ask how do I fix the gears on my bicycle?\n"
    docs = run(tmp_path, "chat", stdin=script)
    assert docs.stdout == (
        "> ask how do I fix the gears on my bicycle?\nI couldn't find that in the docs.\n[1] Ask a human\n\n"
    ), docs.stderr
    both = run(tmp_path, "chat", stdin=script, env={"COMMUNITYBOT_STARTER_RECIPES": "true"})
    assert both.stdout == (
        "> ask how do I fix the gears on my bicycle?\n"
        "I couldn't find that in the docs or the recipes.\n[1] Ask a human\n\n"
    ), both.stderr


def test_console_threads_help_channel_reactions_and_helpers(tmp_path: Path) -> None:
    """In a watched console channel: a post is answered in its thread, the asker's follow-up too; "thanks!" and
    everything after a staff reply get nothing; ✅ on the staff reply marks it solved and credits them; an unsure
    post gets one quiet line; `kb helpers` lists the credit. (The test recipes answer.)"""
    script = [
        "user ann",
        "how do I get absent learners back",
        "what about a friendly note?",
        "thanks!",
        "user sam staff",
        "Posters at the library worked for us.",
        "user ann",
        "what about flyers?",
        "react ✅ sam",
        "thread",
        "user bo",
        "could we stop the circle early",
        "thread",
        "hi everyone",
        "@bot kb helpers",
        "thread 1",
        "user sam staff",
        "@bot kb helpers",
    ]
    env = {"COMMUNITYBOT_HELP_CHANNELS": '{"console": ["help-desk"]}', **own_recipes_env()}
    result = run(
        tmp_path,
        "chat",
        "--channel",
        "help-desk",
        "--now",
        "2026-11-27T10:00:00+00:00",
        stdin="\n".join(script) + "\n",
        env=env,
    )
    assert result.returncode == 0, result.stderr
    steps = [step.partition("\n") for step in ("\n" + result.stdout).split("\n> ")[1:]]
    assert [line for line, _, _ in steps] == script
    said = {line: out.strip() for line, _, out in steps[:-1]}  # the last "@bot kb helpers" is staff's
    answer = "[thread 1]\n== What if learners stop showing up? =="
    buttons = "[1] Helpful  [2] Not helpful  [3] More results  [4] Ask a human  [5] Solved"
    first = said["how do I get absent learners back"]
    assert first.startswith(answer) and first.endswith(buttons)
    assert said["what about a friendly note?"] == (  # a follow-up gets the answer's lines about it, not the whole again
        f"{answer}\n- send a short, friendly note to anyone who missed a meeting;\n"
        "- make each meeting worth coming to on its own;\n"
        "[1] Helpful  [2] Not helpful  [3] Read more  [4] More results  [5] Ask a human  [6] Solved"
    )
    for quiet in ("thanks!", "Posters at the library worked for us.", "what about flyers?", "hi everyone"):
        assert said[quiet] == "", quiet
    assert said["react ✅ sam"] == "[thread 1]\nMarked as solved. Thanks, sam, for the answer!\n[tagged: Solved]"
    unsure = said["could we stop the circle early"]
    assert unsure.startswith("[thread 2]\nThese might help: “What happens at the final meeting?”, “")
    assert "[tagged: Needs a human]" in unsure and "not sure" not in unsure
    assert said["@bot kb helpers"] == "[ephemeral]\nSorry, `kb helpers` is only for staff."
    assert steps[-1][2].strip() == (
        "[ephemeral]\n== Members who solved questions since 2026-10-28 ==\n  1 solved  sam (console)"
    )


def test_a_picked_suggestion_can_be_voted_helpful_and_the_question_is_answered_next_time(tmp_path: Path) -> None:
    """The recipe picked after "Did you mean" has Helpful, Not helpful and Ask a human; after Helpful the same
    question is answered with it directly. (The test recipes answer.)"""
    question = "our cohort keeps dwindling after week three"
    result = run(tmp_path, "chat", stdin=f"{question}\n2\n1\n{question}\n", env=own_recipes_env())
    assert result.returncode == 0, result.stderr
    recipe = (
        "== What if learners stop showing up? ==\n"
        "Numbers often fall after the first weeks. What helps:\n"
        "- send a short, friendly note to anyone who missed a meeting;\n"
        "- make each meeting worth coming to on its own;\n"
        "- remember that a small group that stays is a success.\n"
        "Read more: https://example.org/people/drop-off\n"
    )
    assert result.stdout == (
        f"> {question}\n"
        "I'm not sure I know the answer to that. Did you mean one of these?\n"
        "[1] How long is each meeting, and for how many weeks?  [2] What if learners stop showing up?  "
        "[3] How many hours does facilitating take?  [4] Ask a human\n\n"
        "> 2\n"
        f"{recipe}"
        "[1] Helpful  [2] Not helpful  [3] Ask a human\n\n"
        "> 1\n"
        "[ephemeral]\n"
        "Thanks! I'll remember that this answer fits questions like yours.\n\n"
        f"> {question}\n"
        f"{recipe}"
        "[1] Helpful  [2] Not helpful  [3] More results  [4] Ask a human\n\n"
    )
