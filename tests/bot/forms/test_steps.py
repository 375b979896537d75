"""A form asked step by step, as a console user sees it: back and keep, control words never kept as answers (and
how to give one as the answer), a command typed mid-form, a restart, and two messages at once (on one replica, or
two replicas: one message is taken, the other says the form moved on)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from pathlib import Path

from bot.events import Form, FormField, Origin, Reply
from bot.main.wiring import BotApp
from storage.leads import list_leads
from storage.records import Conversation
from tests.conftest import Chat, Clock, DbTarget, make_settings

INTRO_END = "Work with P2PU (1/9): Your name\nType 'cancel' to stop, 'help' for more."
EMAIL = (
    "Work with P2PU (2/9): Email\nWe will only use it to reply to you.\n"
    "Type 'back' for the previous question, 'cancel' to stop, 'help' for more."
)
ORGANIZATION = (
    "Work with P2PU (3/9): Organization\n(optional: answer 'skip' or '-' to leave it empty)\n"
    "Type 'back' for the previous question, 'cancel' to stop, 'help' for more."
)
HELP = (
    "You are filling in Work with P2PU: answer the question below, or type 'cancel' to stop; commands work after.\n"
    "- 'back' goes to the previous question; 'keep' leaves an answer you gave before as it is.\n"
    "- 'skip' leaves an optional question empty.\n"
    '- To answer with one of these words itself (or with a command), put it in quotes: "cancel".'
)
REST = ["Org", "1", "Train our librarians", "Soon", "skip", "yes", "skip"]


async def _said(chat: Chat, text: str, **who: object) -> str:
    """The one reply to ``text``, as its text."""
    (reply,) = await chat.say(text, **who)
    return reply.text


async def _leads(chat: Chat) -> list[tuple[str, str, str]]:
    async with chat.app.db.session() as session:
        return [(lead.name, lead.email, lead.organization) for lead in await list_leads(session)]


async def test_back_shows_the_answer_given_and_keep_moves_on_with_it(chat: Chat) -> None:
    """`back` asks the previous question again with its answer; `keep` leaves it and asks the next, which offers
    its own answer too; a new answer replaces the old one."""
    assert (await chat.say("consult"))[-1].text == INTRO_END
    await chat.say("Ann Lee")
    await chat.say("ann@example.org")
    assert await _said(chat, "back") == (
        "Work with P2PU (2/9): Email\nWe will only use it to reply to you.\n"
        'Your answer so far: "ann@example.org". Type \'keep\' to leave it as "ann@example.org".\n'
        "Type 'back' for the previous question, 'cancel' to stop, 'help' for more."
    )
    assert await _said(chat, "back") == (
        "Work with P2PU (1/9): Your name\n"
        'Your answer so far: "Ann Lee". Type \'keep\' to leave it as "Ann Lee".\n'
        "Type 'cancel' to stop, 'help' for more."
    )
    assert await _said(chat, "keep") == (
        "Work with P2PU (2/9): Email\nWe will only use it to reply to you.\n"
        'Your answer so far: "ann@example.org". Type \'keep\' to leave it as "ann@example.org".\n'
        "Type 'back' for the previous question, 'cancel' to stop, 'help' for more."
    )
    assert await _said(chat, "ann@library.example.org") == ORGANIZATION
    for answer in REST:
        replies = await chat.say(answer)
    assert "Your request is L-0001" in replies[0].text
    assert await _leads(chat) == [("Ann Lee", "ann@library.example.org", "Org")]


async def test_back_at_the_first_question_and_keep_with_no_answer_say_so(chat: Chat) -> None:
    """Nothing before the first question, nothing to keep at a new one: said, and the question asked again."""
    await chat.say("consult")
    assert await _said(chat, "back") == f"This is the first question: there is nothing before it.\n\n{INTRO_END}"
    assert await _said(chat, "keep") == f"There is no answer here to keep yet.\n\n{INTRO_END}"
    await chat.say("Ann Lee")
    assert await _said(chat, "keep") == f"There is no answer here to keep yet.\n\n{EMAIL}"


async def test_a_skipped_answer_and_a_choice_are_offered_back_as_given(chat: Chat) -> None:
    """Going back to a skipped optional field offers to leave it empty; a choice is shown by its label."""
    await chat.say("consult")
    for answer in ["Ann", "ann@example.org", "Org", "2", "Maps", "Soon", "skip"]:
        await chat.say(answer)
    budget = await _said(chat, "back")
    assert budget.startswith("Work with P2PU (7/9): Budget range\n(optional: answer 'skip' or '-' to leave it empty)\n")
    assert "You left this empty. Type 'keep' to leave it empty.\n" in budget
    for _ in range(3):
        choice = await _said(chat, "back")
    assert "Type 'keep' to leave it as \"Course design\"." in choice
    assert (await _said(chat, "keep")).startswith("Work with P2PU (5/9): Tell us about your project\n")


async def test_help_is_never_kept_as_an_answer_and_says_how_to_give_a_control_word(chat: Chat) -> None:
    """`help` at the name (free text, where it used to be kept as the name) shows help and the question again."""
    await chat.say("consult")
    assert await _said(chat, "help") == f"{HELP}\n\n{INTRO_END}"
    assert await _said(chat, "?") == f"{HELP}\n\n{INTRO_END}"
    assert await _said(chat, "Help?") == f"{HELP}\n\n{INTRO_END}"
    await chat.say("Ann")
    assert await _said(chat, "help") == f"{HELP}\n\n{EMAIL}"


async def test_a_control_word_in_quotes_or_after_a_backslash_is_the_answer(chat: Chat) -> None:
    """ "Help" in quotes is a name; \\cancel an organization; "skip" a budget: each kept as typed inside."""
    await chat.say("consult")
    assert await _said(chat, '"Help"') == EMAIL
    await chat.say("ann@example.org")
    await chat.say("\\cancel")
    for answer in ["1", "Maps", "Soon", "\u201cskip\u201d", "yes", "skip"]:
        replies = await chat.say(answer)
    assert "Your request is L-0001" in replies[0].text
    assert await _leads(chat) == [("Help", "ann@example.org", "cancel")]
    async with chat.app.db.session() as session:
        assert [lead.budget for lead in await list_leads(session)] == ["skip"]


async def test_skip_at_a_required_question_is_refused_not_kept(chat: Chat) -> None:
    """`skip` where an answer is needed says so; the name is not "skip" (nor "skip.")."""
    await chat.say("consult")
    assert await _said(chat, "skip") == f"Your name is required, so it can't be skipped.\n\n{INTRO_END}"
    assert await _said(chat, "skip.") == f"Your name is required, so it can't be skipped.\n\n{INTRO_END}"
    for answer in ("Ann", "ann@example.org", "Org"):
        await chat.say(answer)
    # A question for a label reads as one: not "What would you like help with? is required".
    assert (await _said(chat, "skip")).startswith(
        "“What would you like help with?” needs an answer, so it can't be skipped.\n\nWork with P2PU (4/9)"
    )


async def test_an_answer_of_punctuation_alone_at_a_required_question_is_refused(chat: Chat) -> None:
    """ "-", '""' or "..." where an answer is needed said nothing: they were kept, and the lead read "Timeline: -";
    at an optional question "-" still leaves it empty, and "none" stays a real answer."""
    await chat.say("consult")
    for typed in ("-", '""', "...", "\\-"):
        shown = typed.strip('"\\') or typed
        assert await _said(chat, typed) == (
            f"Your name is required, and “{shown}” says nothing: please write an answer.\n\n{INTRO_END}"
        ), typed
    await chat.say("Ann")
    await chat.say("ann@example.org")
    assert await _said(chat, "-") != ORGANIZATION  # optional: left empty, on to the next question
    for answer in ["1", "Train our librarians", "none", "skip", "yes", "skip"]:
        replies = await chat.say(answer)
    assert "Your request is L-0001" in replies[0].text
    async with chat.app.db.session() as session:
        assert [(lead.organization, lead.timeline) for lead in await list_leads(session)] == [(None, "none")]


async def test_no_thanks_at_the_consent_question_is_a_no(chat: Chat) -> None:
    """ "No thanks!" to the consent question cancels, as "no" does; it was refused as no answer to a yes/no."""
    await chat.say("consult")
    for answer in ["Ann", "ann@example.org", "Org", "1", "Train our librarians", "Soon", "skip"]:
        await chat.say(answer)
    assert (
        await _said(chat, "No thanks!")
        == "Without your agreement I can't keep this, so nothing was saved (Work with P2PU cancelled)."
    )
    assert await _leads(chat) == []


async def test_a_form_command_typed_mid_form_is_not_kept_as_an_answer(chat: Chat) -> None:
    """`consult` again (or `/consult`) while the form is open says which form is open and how to stop it; the
    question waits, and the answers so far are kept."""
    await chat.say("consult")
    await chat.say("Ann Lee")
    busy = (
        "You are filling in Work with P2PU, so I did not run `consult`. Answer the question below to go on, or type "
        "'cancel' to stop Work with P2PU first. To give it as your answer, put it in quotes: "
        '"consult".'
    )
    assert await _said(chat, "consult") == f"{busy}\n\n{EMAIL}"
    assert await _said(chat, "/consult") == f"{busy}\n\n{EMAIL}"
    assert await _said(chat, "ann@example.org") == ORGANIZATION
    # `help checkin` is help on a command, not an organization's name.
    assert (await _said(chat, "help checkin")).startswith(
        "You are filling in Work with P2PU, so I did not run `help checkin`. Answer the question below to go on, or "
    )
    assert (await _said(chat, "/leads mine")).startswith(
        "You are filling in Work with P2PU, so I did not run `leads mine`. Answer the question below to go on, or "
    )
    help_kind = (
        "Work with P2PU (4/9): What would you like help with?\n  1. Facilitator training\n  2. Course design\n"
        "  3. Running a pilot\n  4. Hosting / technical work\n  5. Research partnership\n  6. Something else\n"
        "Type 'back' for the previous question, 'cancel' to stop, 'help' for more."
    )
    # Free text that starts with a command's word is an answer ("help me with maps" too).
    assert await _said(chat, "ask around first") == help_kind
    await chat.say("back")
    assert await _said(chat, "help me with maps") == help_kind
    assert (await _said(chat, "cancel")) == "Cancelled: Work with P2PU. Nothing was saved."
    assert (await chat.say("consult"))[-1].text == INTRO_END


async def test_a_half_filled_form_survives_a_restart_with_its_answers(
    db_target: DbTarget, tmp_path: Path, clock: Clock
) -> None:
    """Answers typed before a restart are there after it: `back` shows them, and the form finishes once."""
    first = BotApp(make_settings(db_target, tmp_path), clock=clock)
    await first.start()
    await Chat(first).say("consult")
    await Chat(first).say("Ann Lee")
    await first.close()
    second = BotApp(make_settings(db_target, tmp_path), clock=clock)
    await second.start()
    try:
        chat = Chat(second)
        assert await second.dispatcher.pending_prompt(chat.origin()) == EMAIL
        assert "Type 'keep' to leave it as \"Ann Lee\"." in await _said(chat, "back")
        for answer in ["keep", "ann@example.org", *REST]:
            replies = await chat.say(answer)
        assert "Your request is L-0001" in replies[0].text
        assert await _leads(chat) == [("Ann Lee", "ann@example.org", "Org")]
    finally:
        await second.close()


async def test_two_messages_at_once_answer_two_questions_in_order(chat: Chat) -> None:
    """Two lines sent together fill the name, then the email (one user's messages wait their turn)."""
    await chat.say("consult")
    name, email = await asyncio.gather(chat.say("Ann Lee"), chat.say("ann@example.org"))
    assert [r.text for r in name + email] == [EMAIL, ORGANIZATION]


async def test_the_last_answer_sent_twice_at_once_to_two_replicas_makes_one_lead(replicas: tuple[Chat, Chat]) -> None:
    """A retry of the last answer reaching another replica at the same moment: one lead, one thanks."""
    one, two = replicas
    await one.say("consult")
    for answer in ["Ann Lee", "ann@example.org", *REST[:-1]]:
        await one.say(answer)
    both = await asyncio.gather(one.say("skip"), two.say("skip"))
    thanks = [r.text for replies in both for r in replies if "Your request is" in r.text]
    assert len(thanks) == 1 and "L-0001" in thanks[0]
    assert await _leads(one) == [("Ann Lee", "ann@example.org", "Org")]


MOVED_ON = (
    "Work with P2PU moved on meanwhile (another message of yours got there first), so this message changed nothing."
)
ENDED = (
    "Work with P2PU was finished or cancelled meanwhile (another message of yours got there first), so this message "
    "changed nothing."
)


async def _overtaken(late: Chat, text: str, first: Awaitable[list[Reply]]) -> list[str]:
    """``text`` sent to the ``late`` replica, which reads the form, then waits while ``first`` (another message of
    Ann's, on the other replica) is handled in full; what ``late`` replies."""
    forms = late.app.dispatcher.forms
    read, first_done = asyncio.Event(), asyncio.Event()
    reading = forms.pending

    async def read_then_wait(origin: Origin) -> Conversation | None:
        conv = await reading(origin)
        read.set()
        await first_done.wait()
        return conv

    forms.pending = read_then_wait  # type: ignore[method-assign]
    try:
        replies = asyncio.ensure_future(late.say(text))
        await read.wait()
        await first
        first_done.set()
        return [r.text for r in await replies]
    finally:
        forms.pending = reading  # type: ignore[method-assign]


async def test_two_answers_to_one_question_on_two_replicas_keep_one_and_say_so(replicas: tuple[Chat, Chat]) -> None:
    """Two answers to the name read at once by two replicas: the first is kept and the email asked; the other is
    not kept as the name, says the form moved on and asks the email, with no answer offered to keep."""
    one, two = replicas
    await one.say("consult")
    first = one.say("Ann Lee")
    assert await _overtaken(two, "ann@example.org", first) == [f"{MOVED_ON}\n\n{EMAIL}"]
    assert one.sent[-1].text == EMAIL
    assert await _said(two, "back") == (
        "Work with P2PU (1/9): Your name\n"
        'Your answer so far: "Ann Lee". Type \'keep\' to leave it as "Ann Lee".\n'
        "Type 'cancel' to stop, 'help' for more."
    )
    for answer in ["keep", "ann@example.org", *REST]:
        replies = await one.say(answer)
    assert "Your request is L-0001" in replies[0].text
    assert await _leads(one) == [("Ann Lee", "ann@example.org", "Org")]


async def test_going_back_and_forth_meanwhile_still_counts_as_moved_on(replicas: tuple[Chat, Chat]) -> None:
    """An answer read at the email while `back` and `keep` on the other replica bring the form to the email again:
    not kept (the form moved on and came back), and the email asked again."""
    one, two = replicas
    await one.say("consult")
    await one.say("Ann Lee")

    async def back_and_keep() -> list[Reply]:
        await one.say("back")
        return await one.say("keep")

    assert await _overtaken(two, "bo@example.org", back_and_keep()) == [f"{MOVED_ON}\n\n{EMAIL}"]
    assert await _said(one, "ann@example.org") == ORGANIZATION


async def test_an_answer_to_a_form_cancelled_meanwhile_says_so_and_keeps_nothing(replicas: tuple[Chat, Chat]) -> None:
    """`cancel` on one replica while the other holds an answer to the email: cancelled, and the answer says the form
    ended instead of asking the next question; no form is left open and no lead made."""
    one, two = replicas
    await one.say("consult")
    await one.say("Ann Lee")
    first = one.say("cancel")
    assert await _overtaken(two, "ann@example.org", first) == [ENDED]
    assert one.sent[-1].text == "Cancelled: Work with P2PU. Nothing was saved."
    assert await one.app.dispatcher.pending_prompt(one.origin()) is None
    assert await _leads(one) == []


async def test_cancel_read_before_an_answer_taken_meanwhile_does_not_claim_it_cancelled(
    replicas: tuple[Chat, Chat],
) -> None:
    """`cancel` read at the email while the other replica keeps the email: not "Cancelled" (the form is still open),
    but that it moved on, with the question it is on now."""
    one, two = replicas
    await one.say("consult")
    await one.say("Ann Lee")
    first = one.say("ann@example.org")
    assert await _overtaken(two, "cancel", first) == [f"{MOVED_ON}\n\n{ORGANIZATION}"]
    assert await _said(one, "cancel") == "Cancelled: Work with P2PU. Nothing was saved."


async def test_an_answer_to_a_form_replaced_meanwhile_asks_the_new_forms_question(chat: Chat) -> None:
    """An answer read at the email of Work with P2PU while a new form replaced it: says so, and the new form's
    first question is asked; the answer is not kept in either form."""
    await chat.say("consult")
    await chat.say("Ann Lee")
    dispatcher = chat.app.dispatcher
    read = await dispatcher.forms.pending(chat.origin())
    assert read is not None
    feedback = Form("feedback", "Feedback", (FormField("liked", "What did you like?"),))
    await dispatcher.start_form(chat.origin(), Reply("", form=feedback))
    replies = await dispatcher.forms.answer(dispatcher.context(chat.origin()), read, "ann@example.org")
    liked = "Feedback (1/1): What did you like?\nType 'cancel' to stop, 'help' for more."
    replaced = (
        "Work with P2PU was replaced by Feedback meanwhile (another message of yours started it), so this message "
        "changed nothing."
    )
    assert [r.text for r in replies] == [f"{replaced}\n\n{liked}"]
    assert await dispatcher.pending_prompt(chat.origin()) == liked


async def test_two_last_answers_on_two_replicas_submit_once_and_the_other_says_so(replicas: tuple[Chat, Chat]) -> None:
    """The last question answered "no" on one replica while "yes" is read on the other: one lead, thanked once; the
    other message says the form was finished meanwhile (it used to get no reply at all)."""
    one, two = replicas
    await one.say("consult")
    for answer in ["Ann Lee", "ann@example.org", *REST[:-1]]:
        await one.say(answer)
    first = one.say("no")
    assert await _overtaken(two, "yes", first) == [ENDED]
    thanks = [r.text for r in (*one.sent, *two.sent) if "Your request is" in r.text]
    assert len(thanks) == 1 and "L-0001" in thanks[0]
    assert await _leads(one) == [("Ann Lee", "ann@example.org", "Org")]


HELP_KIND = (
    "Work with P2PU (4/9): What would you like help with?\n  1. Facilitator training\n  2. Course design\n"
    "  3. Running a pilot\n  4. Hosting / technical work\n  5. Research partnership\n  6. Something else\n"
    "Type 'back' for the previous question, 'cancel' to stop, 'help' for more."
)


async def test_a_choice_takes_the_unique_start_of_its_label(chat: Chat) -> None:
    """ "Course" picks "Course design" (it was refused as no choice); "r", the start of two choices, names both and
    asks again; "Course" comes back as the answer kept."""
    await chat.say("consult")
    for answer in ("Ann Lee", "ann@example.org", "Org"):
        await chat.say(answer)
    assert await _said(chat, "r") == (
        "'r' could be “Running a pilot” or “Research partnership”: type more of it, or its number\n\n" + HELP_KIND
    )
    assert await _said(chat, "Course") == (
        "Work with P2PU (5/9): Tell us about your project\n"
        "Type 'back' for the previous question, 'cancel' to stop, 'help' for more."
    )
    kept = 'Your answer so far: "Course design". Type \'keep\' to leave it as "Course design".\n'
    assert await _said(chat, "back") == HELP_KIND.replace("Type 'back'", kept + "Type 'back'")
