"""The dispatcher: routing, permissions, help and the boundary handler."""

from __future__ import annotations

import logging

import pytest

from bot.dispatcher import Dispatcher
from bot.events import Message, Origin, Reply, Visibility
from bot.feature import Command, Context, Surface
from bot.permissions import RoleResolver
from bot.registry import Registry
from bot.settings import RoleSettings
from storage import Database
from tests.conftest import Chat, texts

pytestmark = pytest.mark.parametrize("db_target", ["sqlite"], indirect=True)


async def test_help_lists_commands_with_examples(chat: Chat) -> None:
    """A member's help shows ask and consult with examples, and no staff commands."""
    out = texts(await chat.say("help"))
    assert "ask QUESTION" in out and "e.g. `ask how many people" in out
    assert "consult" in out
    assert "leads list" not in out


async def test_help_for_staff_shows_lead_commands(chat: Chat) -> None:
    """Staff see the leads commands in help."""
    out = texts(await chat.say("help", role="staff"))
    assert "leads list" in out and "leads export" in out


MEMBER_GROUP_COMMANDS = [
    "• `checkin join`: join this channel's study group",
    "• `checkin leave`: leave this channel's study group",
    "• `checkin answer`: answer the open check-in",
    "• `checkin mine`: your study groups and their next check-ins",
    "• `checkin next [--tz ZONE]`: upcoming check-ins, in the group's time zone and yours",
    "• `checkin stats`: participation and streaks",
    "• `checkin questions [set Q1 | Q2 | Q3]`: see (facilitators: set) the questions",
    "• `meetings list`: the coming meetings of this channel's group",
    "• `meetings going [YYYY-MM-DD [HH:MM]]`: say you are coming to the next meeting (or that day's), as the Going"
    " button does",
    "• `meetings cant [YYYY-MM-DD [HH:MM]]`: say you can't make the next meeting (or that day's), as the Can't make"
    " it button does",
    "• `meetings reflect [YYYY-MM-DD [HH:MM]]`: Plus/Delta on the meeting that just ended (or that day's), as the"
    " Reflect button does",
    "• `meetings reminders [24h 1h | off]`: see or set the reminders before each meeting",
    "• `meetings calendar`: the group's meetings as a calendar file, and the feed to subscribe to",
]


def group_commands(replies: list[Reply]) -> list[str]:
    return [line for line in replies[0].text.splitlines() if line.startswith(("• `checkin ", "• `meetings "))]


async def test_help_for_a_member_leaves_out_the_facilitators_commands(chat: Chat) -> None:
    """A member who facilitates no group sees only the check-in and meeting commands a member may run."""
    assert group_commands(await chat.say("help")) == MEMBER_GROUP_COMMANDS


async def test_help_for_a_group_facilitator_lists_their_commands(chat: Chat) -> None:
    """A member made facilitator of a group (no global role) sees its commands in help, as a facilitator does."""
    await chat.say("checkin create Maps Circle", user="fay", role="facilitator", channel="maps")
    await chat.say("checkin add cy --facilitator", user="fay", role="facilitator", channel="maps")
    facilitator = group_commands(await chat.say("help", user="fay", role="facilitator"))
    assert "• `checkin cancel`: cancel the schedule (facilitators)" in facilitator
    assert (
        "• `meetings move YYYY-MM-DD [HH:MM] [NEW-DATE] NEW-HH:MM`: move a meeting to another time or day"
        " (facilitators)" in facilitator
    )
    member_facilitator = group_commands(await chat.say("help", user="cy"))
    assert member_facilitator == [line for line in facilitator if not line.startswith("• `checkin create ")]
    assert len(member_facilitator) == len(MEMBER_GROUP_COMMANDS) + 20


async def test_help_with_a_command_word_lists_only_its_commands(chat: Chat) -> None:
    """`help checkin` lists a member's check-in commands and nothing else; `help kb search venue` the command its
    first words name; a staff topic is refused to a member and listed for staff; words naming no command ("help me",
    "help with venues") get the whole list."""
    checkin = [line for line in MEMBER_GROUP_COMMANDS if line.startswith("• `checkin ")]
    checkin.insert(5, "    e.g. `checkin next --tz America/New_York`")
    everything = "Type `help` for everything I can do."
    for typed in ("help checkin", "/help checkin?", "help CHECKIN"):
        reply = (await chat.say(typed))[0]
        assert (reply.title, reply.text.splitlines()) == ("What I can do: checkin", [*checkin, "", everything]), typed
    reply = (await chat.say("help kb search venue"))[0]
    assert (reply.title, reply.text) == (
        "What I can do: kb search",
        f"• `kb search TERM`: list recipes matching some words\n    e.g. `kb search venue`\n\n{everything}",
    )
    assert texts(await chat.say("help leads")) == "\nSorry, `leads` is not among the commands you can run."
    assert texts(await chat.say("help checkin create")) == (
        "\nSorry, `checkin create` is not among the commands you can run."
    )
    staff = (await chat.say("help leads", role="staff"))[0].text.splitlines()
    assert staff[0].startswith("• `leads list") and all(
        line.startswith(("• `leads ", "    e.g. `leads ")) for line in staff[:-2]
    )
    whole = texts(await chat.say("help"))
    assert texts(await chat.say("help me")) == whole == texts(await chat.say("help with venues"))


async def test_a_group_name_alone_lists_a_members_commands_of_it(chat: Chat) -> None:
    """`meetings` (or `checkin?`) typed alone lists the group's commands as `help meetings` does, examples and all: a
    member who facilitates no group gets the ones a member runs, a member made facilitator of a group gets its
    facilitators' ones too."""

    async def listed(typed: str, user: str, role: str = "member") -> list[str]:
        return (await chat.say(typed, user=user, role=role))[0].text.splitlines()

    for group in ("meetings", "checkin"):
        shown = await listed(f"{group}?", "cy")
        assert shown == (await listed(f"help {group}", "cy"))[:-2]  # less "Type `help` for everything"
        assert [line for line in shown if line.startswith("• ")] == [
            line for line in MEMBER_GROUP_COMMANDS if line.startswith(f"• `{group} ")
        ]
    meetings = await listed("meetings", "cy")
    await chat.say("checkin create Maps Circle", user="fay", role="facilitator", channel="maps")
    await chat.say("checkin add cy --facilitator", user="fay", role="facilitator", channel="maps")
    facilitating = await listed("meetings", "cy")
    assert facilitating == await listed("meetings", "fay", "facilitator")
    assert (
        set(meetings) < set(facilitating)
        and "• `meetings cancel YYYY-MM-DD [HH:MM]`: cancel a meeting (facilitators)" in facilitating
    )


async def test_member_is_refused_a_staff_command(chat: Chat) -> None:
    """A member running a staff command gets a plain refusal, privately."""
    replies = await chat.say("leads list", role="member")
    assert replies[0].visibility is Visibility.EPHEMERAL
    assert replies[0].text == "Sorry, `leads list` is only for staff."


async def test_slash_and_bang_prefixes_work(chat: Chat) -> None:
    """`/ask` and `!ask` reach the same command as `ask`."""
    for prefix in ("", "/", "!"):
        replies = await chat.say(f"{prefix}ask how many people should be in a learning circle")
        assert replies[0].title == "How big should a learning circle be?"


async def test_unknown_command_says_so(chat: Chat) -> None:
    """An unknown slash command names itself and points to help."""
    replies = await chat.say("/frobnicate now")
    assert "/frobnicate" in replies[0].text and "help" in replies[0].text


async def test_chatter_in_a_channel_is_ignored_unless_mentioned(chat: Chat) -> None:
    """In a channel the bot answers only when mentioned; in a DM it answers free text."""
    question = "how long should a learning circle meeting be"
    assert await chat.say(question, channel="general") == []
    mentioned = await chat.say(question, channel="general", mention=True)
    assert mentioned[0].title == "How long and how often should a learning circle meet?"
    assert mentioned[0].in_thread
    dm = await chat.say(question)
    assert dm[0].title == mentioned[0].title


async def test_group_name_alone_shows_group_help(chat: Chat) -> None:
    """`leads` alone lists the leads sub-commands for staff."""
    out = texts(await chat.say("leads", role="staff"))
    assert "leads show L-0042" in out


async def test_a_command_word_with_a_question_mark_runs_the_command(chat: Chat) -> None:
    """`meetings?`, `unlink!` and `kb.` do what `meetings`, `unlink` and `kb` do, not "Did you mean `meetings`?"."""
    for word in ("meetings", "unlink", "kb"):
        plain = [(r.title, r.text) for r in await chat.say(word)]
        for mark in "?!.":
            assert [(r.title, r.text) for r in await chat.say(word + mark)] == plain, word + mark
    replies = await chat.say("meetings?")
    assert replies[0].title == "meetings commands"
    assert replies[0].text.splitlines()[0] == "• `meetings list`: the coming meetings of this channel's group"
    # Free text that only starts with a command word is still a question.
    assert (await chat.say("meetings? how long should they be"))[0].title != "meetings commands"


async def test_a_misspelled_command_is_named_with_the_one_meant(chat: Chat) -> None:
    """`leeds list --status new` says which command was meant, with the arguments as typed, instead of a non-answer."""
    replies = await chat.say("leeds list --status new", role="staff")
    assert [(r.text, r.visibility) for r in replies] == [
        ("I don't know the command `leeds`. Did you mean `leads list --status new`?", Visibility.EPHEMERAL)
    ]
    assert texts(await chat.say("mydat")) == "\nI don't know the command `mydat`. Did you mean `mydata`?"


async def test_a_members_typo_of_a_staff_command_says_whose_it_is_and_is_no_gap(chat: Chat) -> None:
    """A member's `leeds list` is told the command is staff's, not declined as a question that then shows in gaps."""
    replies = await chat.say("leeds list")
    assert [(r.text, r.visibility) for r in replies] == [
        ("I don't know the command `leeds`. `leads list` is only for staff.", Visibility.EPHEMERAL)
    ]
    assert texts(await chat.say("kb gaps", role="staff")) == (
        "\nNo gaps: every question so far was answered and nobody said it didn't help."
    )


async def test_a_typo_of_a_one_word_command_with_its_arguments_names_the_command(chat: Chat) -> None:
    """`mydat delete` and `hlper on venues` name the command meant, and `Leeds List` is suggested as it is typed."""
    assert texts(await chat.say("mydat delete")) == "\nI don't know the command `mydat`. Did you mean `mydata delete`?"
    assert texts(await chat.say("hlper on venues")) == (
        "\nI don't know the command `hlper`. Did you mean `helper on venues`?"
    )
    assert texts(await chat.say("Leeds List", role="staff")) == (
        "\nI don't know the command `Leeds`. Did you mean `leads list`?"
    )


async def test_questions_that_start_like_a_command_are_still_questions(chat: Chat) -> None:
    """A question one letter from a command's word ("leeds is a city?", "mask rules?") is answered, not corrected;
    so is a member's one word close to a staff command only ("leeds")."""
    for question in ("leeds is a city?", "mask rules?", "leeds"):
        assert "command" not in texts(await chat.say(question)), question
    assert texts(await chat.say("kb gaps", role="staff")) == (
        "Questions without a good answer\n  2 × leeds is a city?  (also: leeds)\n  1 × mask rules?"
    )


async def test_a_question_one_letter_from_a_command_with_words_after_it_is_still_a_question(chat: Chat) -> None:
    """ "helpers on discord?" asks about helpers: it goes to the recipes, not corrected to `helper on discord?`; so
    does a question after a typo of a group's word ("meeting schedule for spring?")."""
    for question in ("helpers on discord?", "helped on a circle before, what now?", "meeting schedule for spring?"):
        assert "command" not in texts(await chat.say(question)), question


async def test_a_misspelled_subcommand_is_named_in_the_group_help(chat: Chat) -> None:
    """`kb serch venue` points to `kb search` before listing the kb commands."""
    out = texts(await chat.say("kb serch venue"))
    assert out == (
        "kb commands\nUnknown subcommand 'serch'. Did you mean `kb search`? The `kb` commands are:\n"
        "• `kb search TERM`: list recipes matching some words\n    e.g. `kb search venue`\n"
        "• `kb show ID`: show one recipe by id\n    e.g. `kb show circles/group-size`"
    )


async def test_a_members_typo_of_a_staff_subcommand_says_it_is_staffs(chat: Chat) -> None:
    """A member's `kb helper` or `kb confrim` is told `kb helpers` / `kb confirm` is staff's, before the member's
    kb commands; staff are asked whether they meant it."""
    member_list = (
        " The `kb` commands are:\n"
        "• `kb search TERM`: list recipes matching some words\n    e.g. `kb search venue`\n"
        "• `kb show ID`: show one recipe by id\n    e.g. `kb show circles/group-size`"
    )
    assert texts(await chat.say("kb helper")) == (
        "kb commands\nUnknown subcommand 'helper'. `kb helpers` is only for staff." + member_list
    )
    assert texts(await chat.say("kb confrim 2 facilitation/first-meeting")) == (
        "kb commands\nUnknown subcommand 'confrim'. `kb confirm` is only for staff." + member_list
    )
    staff = texts(await chat.say("kb helper", role="staff"))
    assert staff.startswith("kb commands\nUnknown subcommand 'helper'. Did you mean `kb helpers`? The `kb` commands")


async def test_an_unknown_option_lists_the_options_the_command_takes(chat: Chat) -> None:
    """`leads list --bogus` names the options `leads list` has, not only the one it lacks."""
    assert texts(await chat.say("leads list --bogus", role="staff")) == (
        "\nUnknown option '--bogus'; this command takes --assignee, --since, --status"
    )


async def test_a_one_word_question_is_no_typo(chat: Chat) -> None:
    """A one-word question still goes to the recipes (a member's typo of a staff command: see above)."""
    assert "command" not in texts(await chat.say("like"))
    replies = await chat.say("how long should a learning circle meeting be")
    assert replies[0].title == "How long and how often should a learning circle meet?"


async def test_boundary_logs_errors_and_answers_briefly(db: Database, caplog: pytest.LogCaptureFixture) -> None:
    """A crashing handler is logged with context, and the user gets a short, true reply without details."""

    async def boom(ctx: Context, args: str) -> list[Reply]:
        raise RuntimeError("database exploded with secret detail")

    dispatcher = Dispatcher(
        db, RoleResolver(RoleSettings()), Registry.build([Surface("x", commands=(Command("boom", boom, "x"),))])
    )
    origin = Origin(platform="slack", channel="C1", user="U1", is_dm=True)
    with caplog.at_level(logging.ERROR):
        replies = await dispatcher.handle(Message(origin, "boom"))
    assert "went wrong on my side" in replies[0].text
    assert "secret detail" not in replies[0].text
    record = next(r for r in caplog.records if r.levelno == logging.ERROR)
    assert "Message" in record.getMessage() and "slack" in record.getMessage() and "C1" in record.getMessage()
    assert "U1" not in record.getMessage()  # user ids are hashed in logs
    assert record.exc_info is not None


async def test_a_members_question_starting_with_a_staff_commands_words_is_a_question(chat: Chat) -> None:
    """ "People show up late, what do I do?" is answered as `ask` would answer it, not refused as `people show`, and
    so is free text after a one-word command ("help me with the survey?"); the command itself (no question mark, or
    typed with /) is still refused."""
    question = "People show up late, what do I do?"
    assert texts(await chat.say(question)) == texts(await chat.say(f"ask {question}"))
    # A member runs no `people` command: a question even without a question mark; "are" is no `meetings` command.
    for sentence in ("people arrive late", "meetings are too long for us?"):
        assert texts(await chat.say(sentence)) == texts(await chat.say(f"ask {sentence}")), sentence
    for free_text in ("help me with the survey?", "me too, how do I join?"):
        assert texts(await chat.say(free_text)) == texts(await chat.say(f"ask {free_text}")), free_text
    refused = "\nSorry, `people show` is only for staff."
    assert texts(await chat.say("people show U0ANN")) == refused
    assert texts(await chat.say("/people show up late?")) == refused


async def test_extra_words_after_a_command_are_refused_with_its_usage(chat: Chat) -> None:
    """`kb stats 10` and `mydata delete now` say which words were not understood and how the command is typed
    (they ran as if the words were not there); a question after a command's words still goes to the knowledge
    base, and the command typed right still runs."""
    assert texts(await chat.say("kb stats 10", role="staff")) == (
        "\n`kb stats` takes no arguments, so I did not run it with '10' after it. Usage: `kb stats`"
    )
    assert texts(await chat.say("mydata delete now")) == (
        "\n`mydata` takes one argument, so I did not run it with 'now' after it. Usage: `mydata [delete]`"
    )
    assert texts(await chat.say("meetings going 2026-05-01 18:00 sharp")) == (
        "\n`meetings going` takes 2 arguments, so I did not run it with 'sharp' after it."
        " Usage: `meetings going [YYYY-MM-DD [HH:MM]]`"
    )
    question = "kb stats for last week?"
    assert texts(await chat.say(question, role="staff")) == texts(await chat.say(f"ask {question}", role="staff"))
    assert "did not run it" not in texts(await chat.say("kb stats", role="staff"))
