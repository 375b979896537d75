"""A form's last answer submitted on one replica while another message of the user's, on another replica, starts a
new form in the same channel: whether the feature rejects the answers or fails, the new form is kept; on its own, a
rejected last answer asks the bad field again with every answer kept. The form is a check-in, whose answers are
rejected when all are empty."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import timedelta

from bot.events import FormSubmission
from bot.feature import Context, Replies
from bot.when import plain
from tests.bot.features.checkins.conftest import FAY, FIRST, setup_group
from tests.bot.forms.test_steps import EMAIL, INTRO_END
from tests.conftest import Chat, Clock

MAPS = {"channel": "maps"}


async def _half_answered(one: Chat, clock: Clock, *answers: str, mood: bool = False) -> None:
    """Maps Circle's first check-in open (asking the mood too if ``mood``), and Ann answering it in Maps with
    ``answers``."""
    await setup_group(one)
    if mood:
        await one.say("checkin mood on", **FAY)
    await one.app.scheduler.tick(FIRST)
    clock.now = FIRST + timedelta(minutes=30)
    for answer in ["checkin answer", *answers]:
        await one.say(answer, **MAPS)


async def _held(late: Chat, text: str, meanwhile: Callable[[], Awaitable[object]]) -> list[str]:
    """``text`` (the check-in's last answer) sent in Maps to the ``late`` replica, which claims the form and, before
    the check-in sees it, waits while ``meanwhile`` (Ann's other messages, on the other replica) runs in full; what
    ``late`` replies."""
    forms = late.app.registry.forms
    route = forms["checkin"]
    claimed, go = asyncio.Event(), asyncio.Event()

    async def held(ctx: Context, submission: FormSubmission) -> Replies:
        claimed.set()
        await go.wait()
        return await route.handler(ctx, submission)

    forms["checkin"] = replace(route, handler=held)
    try:
        replies = asyncio.ensure_future(late.say(text, **MAPS))
        await asyncio.wait_for(claimed.wait(), 10)
        await meanwhile()
        go.set()
        return [r.text for r in await replies]
    finally:
        go.set()
        forms["checkin"] = route


async def test_a_form_started_while_a_rejected_last_answer_was_submitted_is_kept_and_the_answer_says_so(
    replicas: tuple[Chat, Chat], clock: Clock
) -> None:
    """Every check-in question skipped, the last "skip" being submitted on one replica while `consult` on the other
    starts Work with P2PU in Maps: the check-in is rejected, and its reply says it was replaced and its answers not
    kept, and asks Work with P2PU's question; that form stays open and goes on (the check-in used to be put back
    over it, and the reply asked the check-in's first question again)."""
    one, two = replicas
    await _half_answered(one, clock, "skip", "skip")
    assert await _held(two, "skip", lambda: one.say("consult", **MAPS)) == [
        "Please answer at least one question.\n\n"
        "Check-in: Maps Circle was replaced by Work with P2PU meanwhile (another message of yours started it), so "
        "your answers to Check-in: Maps Circle were not kept.\n\n"
        f"{INTRO_END}"
    ]
    assert one.sent[-1].text == INTRO_END
    assert await one.app.dispatcher.pending_prompt(one.origin(**MAPS)) == INTRO_END
    assert [r.text for r in await two.say("Ann Lee", **MAPS)] == [EMAIL]


async def test_a_form_started_while_a_last_answer_failed_is_not_overwritten(
    replicas: tuple[Chat, Chat], clock: Clock
) -> None:
    """The last answer being submitted on one replica while, on the other, `consult` starts Work with P2PU in Maps
    and the check-in closes: the answer is refused as too late, and Work with P2PU stays open (the check-in used to
    be put back over it)."""
    one, two = replicas
    await _half_answered(one, clock, "Read chapter 1", "skip")

    async def consult_and_close() -> None:
        await one.say("consult", **MAPS)
        await one.app.scheduler.tick(FIRST + timedelta(hours=24))

    (refused,) = await _held(two, "stuck on projections", consult_and_close)
    assert plain(refused) == "This check-in closed Wed 04 Mar 2026 18:00 CET; answers are no longer accepted."
    assert await two.app.dispatcher.pending_prompt(two.origin(**MAPS)) == INTRO_END
    assert [r.text for r in await one.say("Ann Lee", **MAPS)] == [EMAIL]


async def test_a_rejected_last_answer_asks_the_bad_field_again_with_every_answer_kept(chat: Chat, clock: Clock) -> None:
    """Every question skipped and a mood given: "answer at least one question", the first question again, and the
    mood kept through to the saved answer."""
    await _half_answered(chat, clock, "skip", "skip", "skip", mood=True)
    assert [r.text for r in await chat.say("3", **MAPS)] == [
        "Please answer at least one question.\n\n"
        "Check-in: Maps Circle (1/4): What did you work on since last time?\n"
        "(optional: answer 'skip' or '-' to leave it empty)\n"
        "You left this empty. Type 'keep' to leave it empty.\nType 'cancel' to stop, 'help' for more."
    ]
    await chat.say("Read chapter 1", **MAPS)
    await chat.say("keep", **MAPS)
    mood = [r.text for r in await chat.say("keep", **MAPS)]
    assert mood[0].startswith("Check-in: Maps Circle (4/4): ")
    assert 'Your answer so far: "3". Type \'keep\' to leave it as "3".' in mood[0]
    assert "saved" in (await chat.say("keep", **MAPS))[0].text
