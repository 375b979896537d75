"""The command line's own words: what it says before any subcommand runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.main.cli import CHAT_COMMANDS, main
from bot.main.wiring import BotApp


def test_a_chat_command_typed_at_the_shell_says_how_to_run_it(capsys: pytest.CaptureFixture[str]) -> None:
    """`communitybot checkin ...` is no shell command: the reply says it is a chat command and how to send it."""
    assert main(["checkin"]) == 2
    assert capsys.readouterr().err == (
        "communitybot: checkin is a chat command: run `communitybot chat` and type `checkin` there, or pipe it in: "
        "echo checkin | communitybot chat (`communitybot --help` lists the shell's commands)\n"
    )
    assert main(["--log-level", "INFO", "leads", "note", "L-1", "it's fine"]) == 2
    assert capsys.readouterr().err == (
        "communitybot: leads is a chat command: run `communitybot chat` and type `leads note L-1 it's fine` there, "
        "or pipe it in: echo 'leads note L-1 it'\"'\"'s fine' | communitybot chat "
        "(`communitybot --help` lists the shell's commands)\n"
    )


def test_an_unknown_word_still_gets_argparse_s_list(capsys: pytest.CaptureFixture[str]) -> None:
    """A word that is no command anywhere gets the usual "invalid choice" with the shell's commands."""
    with pytest.raises(SystemExit):
        main(["chekin"])
    assert "invalid choice: 'chekin' (choose from 'chat', 'run'" in capsys.readouterr().err


def test_the_chat_commands_named_are_the_features_commands(app: BotApp) -> None:
    """CHAT_COMMANDS holds every first word of a chat command that is not also a shell command, and no other."""
    words = {name.split()[0] for name in app.registry.commands} | set(app.registry.groups)
    assert words - {"ask", "kb"} == CHAT_COMMANDS


def test_ask_shows_a_docs_sections_passage_and_links_the_whole_section(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`communitybot ask` shows what chat shows for a docs section: the sentences that answer, then "Read more"."""
    docs = tmp_path / "docs"
    docs.mkdir()
    filler = " ".join(f"Week {n} covers chapter {n} of the course with its own exercises." for n in range(1, 9))
    parking = "Bikes can be parked in the courtyard rack beside the library entrance."
    (docs / "venue.md").write_text(f"# Venue\n\n## Getting there\n\n{filler}\n\n{parking} {filler}\n")
    for topic, text in [
        ("surveys", "Learners fill in a short survey at the last meeting about what they learned."),
        ("courses", "Choose an open online course that the whole group can follow at the same pace."),
        ("snacks", "Bring tea and biscuits to the first meeting so people talk to each other."),
    ]:
        (docs / f"{topic}.md").write_text(f"# {topic.title()}\n\n{text}\n")
    config = tmp_path / "communitybot.yaml"
    config.write_text(
        f"data_dir: {tmp_path / 'data'}\nknowledge_dirs:\n  - {{path: {docs}, base_url: 'https://docs.example.org/'}}\n"
        "answer_threshold: 0.05\n"  # what is shown is the point here, not how sure a four-page handbook can be
    )
    assert main(["--config", str(config), "ask", "where do we park bikes at the library?"]) == 0
    out = capsys.readouterr().out
    unquoted = ["--config", str(config), "ask", *["where", "do", "we", "park", "bikes", "at", "the", "library?"]]
    assert main(unquoted) == 0  # the words as a shell passes them without quotes: the same question
    assert capsys.readouterr().out == out
    after = ". ".join(filler.split(". ")[:3])  # the sentence that answers and the three after it, not the section
    assert (
        out
        == f"Venue › Getting there\n\n{parking} {after}.\n\nRead more: https://docs.example.org/venue#getting-there\n"
    )


@pytest.mark.parametrize("question", ["", "   "])
def test_ask_with_an_empty_question_is_a_usage_error(question: str, capsys: pytest.CaptureFixture[str]) -> None:
    """`communitybot ask ""` says the question is empty, as argparse does for other bad input, and exits 2."""
    with pytest.raises(SystemExit) as exited:
        main(["ask", question])
    assert exited.value.code == 2
    assert capsys.readouterr() == (
        "",
        "usage: communitybot ask [-h] [--json] question [question ...]\n"
        "communitybot ask: error: argument question: the question is empty; type one, like 'how do I start a "
        "circle?'\n",
    )


def test_kb_check_refuses_a_base_url_the_setting_would_refuse(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`kb check --base-url docs.example.org` fails as the knowledge_dirs setting would, not "OK" then a bot that
    refuses to start."""
    with pytest.raises(SystemExit) as exited:
        main(["kb", "check", "--base-url", "docs.example.org", str(tmp_path)])
    assert exited.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        "communitybot kb check: error: argument --base-url: 'docs.example.org' is not an http(s) address: give where "
        "the docs are published, e.g. https://docs.example.org/"
    )
