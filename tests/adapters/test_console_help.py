"""What a new user hit trying help channels on the console: restarts, credit, optional form fields, usage lines."""

from __future__ import annotations

from pathlib import Path

from tests.adapters.test_console import run

NOW = "2026-11-27T10:00:00+00:00"
WATCHED = {"COMMUNITYBOT_HELP_CHANNELS": '{"console": ["help-desk"]}'}


def session(tmp_path: Path, lines: list[str], *args: str, env: dict[str, str] | None = None) -> dict[str, str]:
    """Run one console session in the watched channel; what each typed line got (the last answer wins)."""
    result = run(
        tmp_path,
        "chat",
        "--channel",
        "help-desk",
        "--now",
        NOW,
        *args,
        stdin="\n".join(lines) + "\n",
        env=env or WATCHED,
    )
    assert result.returncode == 0, result.stderr
    steps = [step.partition("\n") for step in ("\n" + result.stdout).split("\n> ")[1:]]
    assert [line for line, _, _ in steps] == lines
    return {line: out.strip() for line, _, out in steps}


def test_threads_survive_a_restart(tmp_path: Path) -> None:
    """A second session numbers its new thread after the first's, and going back into thread 1 after the restart,
    a reply there and "solved" mark it solved, crediting who replied."""
    first = session(tmp_path, ["user ann", "how do I recruit learners"])
    assert first["how do I recruit learners"].startswith("[thread 1]\n== How do I promote my learning circle? ==")
    second = session(
        tmp_path,
        [
            "user bo",
            "how do I find a venue",
            "thread 1",
            "user pat",
            "Posters at the library worked for us.",
            "user ann",
            "solved",
            "user sam staff",
            "@bot kb helpers",
        ],
    )
    assert second["how do I find a venue"].startswith("[thread 2]\n== ")
    assert second["Posters at the library worked for us."] == ""
    assert second["solved"] == "[thread 1]\nMarked as solved. Thanks, pat, for the answer!\n[tagged: Solved]"
    assert second["@bot kb helpers"].endswith("\n  1 solved  pat (console)")


def test_no_credit_for_someone_who_never_wrote_in_the_thread(tmp_path: Path) -> None:
    """An empty thread: "solved" opens no question, a ✅ on sam's (non-existent) message is refused, and nobody is
    credited; in a thread nobody replied in, a ✅ naming someone marks it solved without credit."""
    said = session(
        tmp_path,
        [
            "thread empty",
            "solved",
            "react ✅ sam",
            "thread",
            "how do I find a venue",
            "react ✅ sam",
            "react ✅",
            "user sam staff",
            "@bot kb helpers",
        ],
        "--user",
        "ann",
    )
    assert said["solved"] == ""
    assert said["react ✅ sam"] == "[no message by sam in thread 1 in this session: nothing to react to]"
    assert said["react ✅"] == "[thread 1]\nMarked as solved.\n[tagged: Solved]"
    assert said["@bot kb helpers"] == (
        "[ephemeral]\nNobody has been credited with solving a question since 2026-10-28."
    )


def test_solved_pressed_after_a_reply_and_save_as_recipe_typed(tmp_path: Path) -> None:
    """After sam answers in Ann's thread, Ann's `5` still presses Solved under the bot's answer above; the tick's
    "Save as recipe" post for her question nothing matched says what to type, as the console cannot press it."""
    env = {**WATCHED, "COMMUNITYBOT_HELP_CHANNEL": "staff-help"}
    odd = "my cat ate the projector cable, what now"
    lines = ["how do I recruit learners", "user sam", "Posters at the library worked.", "user ann", "5", "thread"]
    lines += [odd, "user sam", "Borrow one from the library desk.", "user ann", "solved"]
    said = session(tmp_path, lines, "--user", "ann", env=env)
    assert said["Posters at the library worked."] == ""
    assert said["5"] == "[thread 1]\nMarked as solved. Thanks, sam, for the answer!\n[tagged: Solved]"
    assert said["solved"] == "[thread 2]\nMarked as solved. Thanks, sam, for the answer!\n[tagged: Solved]"
    tick = run(tmp_path, "scheduler", "tick", "--now", "2026-11-27T12:00:00+00:00", env=env)
    assert tick.stdout == (
        "[posted to #staff-help]\n== Solved by a person: save it as a recipe? ==\n"
        f"{odd}\nSolved in its thread by sam: #help-desk, thread 2\n"
        "A recipe would answer it next time. (question 2)\n[Save as recipe: type `kb save 2`]\n\n"
        "tick at 2026-11-27 12:00 UTC: 1 message\n"
    )


def test_console_lines_without_what_they_need_get_a_usage_line(tmp_path: Path) -> None:
    """`user` with no name or a bad role, `react` alone and `@bot` alone say how to use them."""
    said = session(tmp_path, ["user", "user sam superhero", "thread 1", "react", "@bot"])
    usage = "[usage: user NAME [ROLE], ROLE one of admin, facilitator, member, staff]"
    assert said["user"] == usage and said["user sam superhero"] == usage
    assert (
        said["react"]
        == "[usage: react EMOJI [AUTHOR], e.g. react ✅ sam (AUTHOR: who wrote the message, @bot for the bot)]"
    )
    assert said["@bot"] == "[usage: @bot MESSAGE, e.g. @bot how do I find a venue]"


def test_unknown_subcommand_is_named_before_the_list(tmp_path: Path) -> None:
    """`checkin frobnicate` and `privacy frob x` say the subcommand is unknown, then list the group's commands."""
    result = run(tmp_path, "chat", "--user", "sam", "--role", "staff", stdin="checkin frobnicate\nprivacy frob x\n")
    assert (
        "[ephemeral]\n== checkin commands ==\n"
        "Unknown subcommand 'frobnicate'. The `checkin` commands are:\n• `checkin create" in result.stdout
    )
    assert (
        "== privacy commands ==\nUnknown subcommand 'frob'. The `privacy` commands are:\n• `privacy export"
        in result.stdout
    )


def test_an_empty_line_skips_an_optional_form_field(tmp_path: Path) -> None:
    """`kb save` step by step: the title prompt says how to skip it, an empty line does, and the next command is a
    command again (not the title)."""
    env = {"COMMUNITYBOT_HELP_CHANNEL": "help"}
    run(tmp_path, "chat", "--user", "ann", stdin="ask my cohort is dwindling\n", env=env)
    answer = "Ask each member what changed for them."
    staff = f"kb save 1\n{answer}\n\nkb drafts\n"
    done = run(tmp_path, "chat", "--user", "sam", "--role", "staff", stdin=staff, env=env).stdout
    assert (
        "Save as recipe (2/2): Title\nLeave empty to use the question\n"
        "(optional: answer 'skip' or '-' to leave it empty)\n"
        "Type 'back' for the previous question, 'cancel' to stop, 'help' for more."
    ) in done
    assert "Draft `cohort-dwindling` saved for review." in done
    assert "`cohort-dwindling`  My cohort is dwindling (1 example question)" in done
    draft = (tmp_path / "data" / "drafts" / "cohort-dwindling.md").read_text(encoding="utf-8")
    assert "title: My cohort is dwindling\n" in draft
