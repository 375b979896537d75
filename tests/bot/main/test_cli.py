"""The command line's own words: what it says before any subcommand runs."""

from __future__ import annotations

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
