"""Threads, watched help channels, mark solved and credit, through the core (the console's platform)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.events import Action, Message, Origin, Reply, Visibility
from bot.main.wiring import BotApp
from bot.when import plain
from tests.conftest import Clock, DbTarget, make_settings, texts
from tests.fixtures import own_recipes

DESK = "help-desk"  # a watched channel
LOUNGE = "lounge"  # not watched
UNSURE = "could we stop the circle early"


@pytest.fixture
async def bot(db_target: DbTarget, tmp_path: Path, clock: Clock) -> AsyncIterator[BotApp]:
    settings = make_settings(db_target, tmp_path, help_channels={"console": [DESK], "slack": [DESK]})
    app = BotApp(settings, clock=clock)
    await app.start()
    yield app
    await app.close()


def origin(user: str, thread: str, channel: str = DESK, role: str = "member") -> Origin:
    return Origin("console", channel, user, user_name=user, thread=thread, platform_roles=frozenset({role}))


async def say(
    app: BotApp, text: str, user: str, thread: str, *, channel: str = DESK, mention: bool = False, **kw: object
) -> list[Reply]:
    starts = bool(kw.pop("starts", False))
    role = str(kw.pop("role", "member"))
    parent = kw.pop("parent", None)
    message = Message(
        origin(user, thread, channel, role), text, is_mention=mention, starts_thread=starts, parent=parent
    )
    return await app.dispatcher.handle(message)


def labels(reply: Reply) -> list[str]:
    return [b.label for b in reply.buttons]


async def test_a_confident_answer_in_a_watched_channel_goes_in_the_thread_with_solved(bot: BotApp) -> None:
    """A new post in a watched channel is answered in its thread, with Helpful, Solved and Ask a human."""
    (reply,) = await say(bot, "how do I find a venue", "ann", "t1", starts=True)
    assert reply.in_thread and reply.title is not None and "venue" in reply.title.lower()
    assert labels(reply)[:2] == ["Helpful", "Not helpful"] and labels(reply)[-1] == "Solved"
    assert "Ask a human" in labels(reply)


async def test_not_confident_gets_one_quiet_line_or_nothing(db_target: DbTarget, tmp_path: Path, clock: Clock) -> None:
    """Unsure in a watched channel: one line naming the two best matches and tagging "Needs a human", no "I'm not
    sure"; with the silent setting, nothing; a top-level message elsewhere gets nothing either. (The test recipes
    answer, which are unsure of UNSURE.)"""
    settings = make_settings(db_target, tmp_path, help_channels={"console": [DESK]}, **own_recipes())
    bot = BotApp(settings, clock=clock)
    quiet = make_settings(db_target, tmp_path / "q", help_channels={"console": [DESK]}, **own_recipes())
    other = BotApp(quiet.model_copy(update={"help_channels_low_confidence": "silent"}), clock=clock)
    await bot.start()
    await other.start()
    try:
        (reply,) = await say(bot, UNSURE, "ann", "t1", starts=True)
        assert reply.text.startswith("These might help: “What happens at the final meeting?”, “")
        assert "not sure" not in reply.text
        assert len(reply.buttons) <= 2 and reply.tags == ("Needs a human",) and reply.in_thread
        assert await say(bot, "how do I find a venue", "ann", "t9", channel=LOUNGE, starts=True) == []
        assert await say(other, UNSURE, "bo", "t2", starts=True) == []
    finally:
        await other.close()
        await bot.close()


async def test_follow_up_uses_the_thread_and_someone_elses_reply_silences_the_bot(bot: BotApp) -> None:
    """The asker's follow-up is answered without a mention, read with the first question; after a staff reply
    the bot says nothing more unless mentioned."""
    (first,) = await say(bot, "how do I recruit learners", "ann", "t1", starts=True)
    (follow,) = await say(bot, "what about posters?", "ann", "t1")
    assert follow.title == first.title and follow.in_thread and "Solved" in labels(follow)
    # The recipe was shown whole already: now only its lines closest to the follow-up, the whole behind a button.
    lines = [
        "Promote for about **four weeks** before the first meeting:",
        "- Put up **flyers** at the venue and partner sites.",
    ]
    assert follow.text == "\n".join(lines)
    assert "Read more" in labels(follow)
    (alone,) = await say(bot, "what about flyers?", "bo", "t5", channel=LOUNGE, mention=True)
    assert alone.text == "I don't have a recipe for that yet."  # without the thread it means nothing
    assert await say(bot, "thanks!", "ann", "t1") == []  # not a new question
    assert await say(bot, "Try the library noticeboard.", "sam", "t1", role="staff") == []
    assert await say(bot, "what about flyers?", "ann", "t1") == []
    (asked,) = await say(bot, "how long should a meeting be", "ann", "t1", mention=True)
    assert asked.title == "How long and how often should a learning circle meet?"


async def test_a_mention_opens_a_thread_the_bot_then_follows(bot: BotApp) -> None:
    """Asked by name in any channel, the bot answers in the thread and takes the asker's follow-ups there."""
    (first,) = await say(bot, "how do I find a venue", "ann", "m1", channel=LOUNGE, mention=True)
    assert first.in_thread and labels(first)[-1] == "Solved"
    (follow,) = await say(bot, "does it need wifi?", "ann", "m1", channel=LOUNGE)
    assert follow.title == first.title and "wifi" in follow.text and len(follow.text) < len(first.text)
    assert labels(follow) == ["Helpful", "Not helpful", "Read more", "More results", "Ask a human", "Solved"]
    assert await say(bot, "who wants lunch?", "bo", "m2", channel=LOUNGE) == []


async def test_solved_word_button_and_reaction_credit_the_replier(bot: BotApp, clock: Clock) -> None:
    """ "solved" from the asker credits the first replier; a ✅ credits the reacted message's author; staff see
    them in kb helpers; a member who is not the asker cannot mark."""
    await say(bot, "how do I recruit learners", "ann", "t1", starts=True)
    await say(bot, "Posters at the library worked for us.", "bo", "t1")
    (done,) = await say(bot, "solved, thanks", "ann", "t1")
    assert plain(done.text) == "Marked as solved. Thanks, bo, for the answer!" and done.tags == ("Solved",)
    assert await say(bot, "solved", "ann", "t1") == []  # once

    (answer,) = await say(bot, "how do I find a venue", "cy", "t2", starts=True)
    await say(bot, "Libraries often lend rooms.", "bo", "t2")
    await say(bot, "Or a community centre.", "dee", "t2")
    refused = await bot.dispatcher.handle(Action(origin("bo", "t2"), "threads:solved", answer.buttons[-1].value))
    assert refused[0].text == "Only the person who asked (or staff) can mark this question as solved."
    assert await bot.dispatcher.handle(Action(origin("bo", "t2"), "threads:react", "✅ dee")) == []
    (marked,) = await bot.dispatcher.handle(Action(origin("cy", "t2"), "threads:react", "white_check_mark dee"))
    assert plain(marked.text) == "Marked as solved. Thanks, dee, for the answer!"

    (pressed,) = await say(bot, "how many people should be in a learning circle", "eve", "t3", starts=True)
    (button,) = await bot.dispatcher.handle(Action(origin("eve", "t3"), "threads:solved", pressed.buttons[-1].value))
    assert button.text == "Marked as solved."  # the bot's answer did it: nobody to credit

    (report,) = await say(bot, "kb helpers", "sam", "x", channel="dm-sam", mention=True, role="staff")
    assert report.title == "Members who solved questions since 2026-01-31"
    assert plain(report.text) == "  1 solved  bo (console)\n  1 solved  dee (console)"
    assert report.visibility is Visibility.EPHEMERAL
    (denied,) = await say(bot, "kb helpers", "ann", "x", channel="dm-ann", mention=True)
    assert "staff" in denied.text.lower()
    (later,) = await say(bot, "kb helpers --since 2026-03-03", "sam", "x", channel="dm-sam", mention=True, role="staff")
    assert later.text == "Nobody has been credited with solving a question since 2026-03-03."


async def test_small_talk_gets_the_friendly_reply_never_not_sure(bot: BotApp) -> None:
    """hi, thanks!, are you a bot?, what can you do? get a short reply saying what the bot does and how to reach a
    person; in a watched channel small talk gets nothing."""
    for said in ("hi", "thanks!", "are you a bot?", "what can you do?"):
        (reply,) = await say(bot, said, "ann", f"s-{said}", channel=LOUNGE, mention=True)
        assert "I answer questions from this community" in reply.text, said
        assert "To reach a person" in reply.text and "not sure" not in reply.text and not reply.buttons
    assert await say(bot, "hi everyone", "ann", "s9", starts=True) == []


async def test_two_replicas_answer_a_new_post_once(bot: BotApp, db_target: DbTarget, tmp_path: Path) -> None:
    """Two replicas sharing the database both see a new post: exactly one answers it."""
    settings = make_settings(db_target, tmp_path, help_channels={"console": [DESK], "slack": [DESK]})
    twin = BotApp(settings, clock=bot.dispatcher.clock)
    await twin.start()
    try:
        first, second = await asyncio.gather(
            say(bot, "how do I find a venue", "ann", "r1", starts=True),
            say(twin, "how do I find a venue", "ann", "r1", starts=True),
        )
    finally:
        await twin.close()
    assert len(first) + len(second) == 1 and "venue" in texts([*first, *second]).lower()


async def test_a_thread_opened_on_an_answered_message_is_followed(bot: BotApp) -> None:
    """On Discord a thread started from a message has that message's id: the bot's answer to the message counts
    there, so the asker's follow-up inside is answered and someone else's reply silences the bot."""
    await say(bot, "how do I recruit learners", "ann", "m7", starts=True)
    (follow,) = await say(bot, "what about posters?", "ann", "m7", channel="m7", parent=DESK)
    assert follow.title == "How do I promote my learning circle?"
    assert await say(bot, "Posters worked for us.", "bo", "m7", channel="m7", parent=DESK) == []
    assert await say(bot, "and flyers?", "ann", "m7", channel="m7", parent=DESK) == []


async def test_no_credit_where_nobody_replied_and_solved_opens_no_question(bot: BotApp) -> None:
    """A ✅ naming someone in a thread nobody but the asker wrote in marks it solved without credit; "solved" as a
    thread's first message opens nothing, so a ✅ there marks nothing."""
    await say(bot, "how do I recruit learners", "ann", "t1", starts=True)
    (marked,) = await bot.dispatcher.handle(Action(origin("ann", "t1"), "threads:react", "✅ sam"))
    assert marked.text == "Marked as solved."
    assert await say(bot, "solved", "ann", "t2", starts=True) == []
    assert await bot.dispatcher.handle(Action(origin("ann", "t2"), "threads:react", "✅ sam")) == []
    (report,) = await say(bot, "kb helpers", "sam", "x", channel="dm-sam", mention=True, role="staff")
    assert report.text.startswith("Nobody has been credited")


async def test_a_question_nothing_matches_gets_a_line_and_is_a_gap(
    bot: BotApp, db_target: DbTarget, tmp_path: Path, clock: Clock
) -> None:
    """A new post in a watched channel that no recipe matches at all gets one quiet line saying so, and staff see
    it in `kb gaps`; with the silent setting the channel hears nothing but the question is a gap all the same."""
    (reply,) = await say(bot, "my cat ate the projector cable, what now", "ann", "t1", starts=True)
    assert reply.text == (
        "I have no recipe for this yet; someone here may know. I've noted it so the team can add one."
    )
    assert reply.buttons == () and reply.tags == ("Needs a human",) and reply.in_thread
    quiet = make_settings(db_target, tmp_path, help_channels={"console": [DESK]})
    other = BotApp(quiet.model_copy(update={"help_channels_low_confidence": "silent"}), clock=clock)
    await other.start()
    try:
        assert await say(other, "our kettle exploded during the break", "bo", "t2", starts=True) == []
    finally:
        await other.close()
    staff = Origin("console", "dm-sam", "sam", is_dm=True, platform_roles=frozenset({"staff"}))
    gaps = await bot.dispatcher.handle(Message(staff, "kb gaps"))
    assert texts(gaps) == (
        "Questions without a good answer\n"
        "  1 × my cat ate the projector cable, what now\n"
        "  1 × our kettle exploded during the break"
    )


async def test_a_buttons_number_typed_in_a_thread_says_what_to_type(bot: BotApp) -> None:
    """The asker's `5` with no buttons to press (a new console session) is neither ignored after someone replied nor
    looked up as a question: it says to type `solved` or `ask a human`."""
    hint = (
        "There is no button 5 to press here. Type `solved` to mark your question solved, or `ask a human` to pass it "
        "to a person."
    )
    await say(bot, "how do I recruit learners", "ann", "t1", starts=True)
    (early,) = await say(bot, "5", "ann", "t1")
    assert early.text == hint and early.visibility is Visibility.EPHEMERAL
    assert await say(bot, "Posters at the library worked.", "sam", "t1") == []
    (late,) = await say(bot, "5", "ann", "t1")
    assert late.text == hint
    assert await say(bot, "5", "sam", "t1") == []  # another member's "5" is their reply, not a button


async def test_on_slack_an_askers_number_is_a_reply_not_a_button(bot: BotApp) -> None:
    """Only the console presses buttons by typing numbers: on Slack the asker's "12" (how many came, say), after a
    member asked, is their reply to the thread, not "There is no button 12"."""

    def slack(user: str, text: str, starts: bool = False) -> Message:
        where = Origin("slack", DESK, user, user_name=user, thread="1700000000.000100")
        return Message(where, text, starts_thread=starts)

    await bot.dispatcher.handle(slack("U0ANN", "how do I recruit learners", starts=True))
    assert await bot.dispatcher.handle(slack("U0SAM", "how many came last time?")) == []
    assert await bot.dispatcher.handle(slack("U0ANN", "12")) == []
