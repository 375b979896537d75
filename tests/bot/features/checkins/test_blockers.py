"""Which check-in answers are blockers: "no" said many ways is not one, a real blocker is, and the blocker question
of a facilitator's own set is the one that asks about problems, through the dispatcher and the scheduler."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.events import Visibility
from bot.features.checkins.blocking import blocker_question, reports_blocker
from bot.main.wiring import BotApp
from tests.bot.features.checkins.conftest import FAY, FIRST, setup_group
from tests.conftest import Chat, Clock

NO_BLOCKER = ("nothing", "no blockers, all good", "None so far!", "not really", "nope 🙂", "I'm blocked on nothing")
REAL = ("nothing works on my laptop", "no wifi at the library", "not sure how to start week 3")


@pytest.mark.parametrize(
    "answer",
    [*NO_BLOCKER, "", "-", "n/a", "Nothing blocking me right now.", "all good 👍", "No problems or issues", "nah, ty"],
)
def test_answers_that_say_no_are_no_blocker(answer: str) -> None:
    """Case, punctuation, emoji and filler aside, a short "no" or "all good" reports no blocker."""
    assert not reports_blocker(answer)


@pytest.mark.parametrize("answer", [*REAL, "no, but R will not install", "not really, the wifi is slow", "stuck"])
def test_answers_that_only_begin_with_no_are_blockers(answer: str) -> None:
    """An answer that says something past its "no" word is a blocker."""
    assert reports_blocker(answer)


def test_the_blocker_question_is_the_last_that_asks_about_problems() -> None:
    """A set's blocker question is the last one naming a block, problem, help and the like; a set with none has none."""
    assert blocker_question(["Done?", "Next?", "Any problems?"]) == 2
    assert blocker_question(["Stuck on anything?", "Who can help you?", "Next?"]) == 1
    assert blocker_question(["Done?", "Next?"]) is None


async def test_no_blocker_answers_are_not_flagged_and_real_blockers_are(chat: Chat, app: BotApp, clock: Clock) -> None:
    """Six ways of saying "no blocker" get neither a ⚠ nor a DM; three real blockers get both, and the help line."""
    await setup_group(chat)
    members = [f"m{n}" for n in range(1, 7)] + [f"r{n}" for n in range(1, 4)]
    for user in members:
        await chat.say("checkin join", user=user, channel="maps")
    run_id = (await app.scheduler.tick(FIRST))[0].buttons[0].value
    clock.now = FIRST + timedelta(hours=1)
    for user, said in zip(members, NO_BLOCKER + REAL, strict=True):
        replies = await chat.submit(f"checkin:answer:{run_id}", {"q0": "Maps", "q2": said}, user=user)
        told = [(r.text.split("\n")[0], r.visibility) for r in replies[1:]]
        if user.startswith("m"):
            assert told == [], user
        elif said == "not sure how to start week 3":  # the recipes have a timeline for that
            assert told == [(f"About what is blocking you (“{said}”): this may help.", Visibility.EPHEMERAL)]
        else:
            assert told == [
                (
                    f"I found nothing that answers what is blocking you (“{said}”); your facilitator will see it in "
                    "the summary. You can also `ask` me in other words.",
                    Visibility.EPHEMERAL,
                )
            ]
    (summary,) = await app.scheduler.tick(FIRST + timedelta(hours=24))
    assert summary.text == (
        "Answered: 9 of 12 (75%)\n"
        "\n"
        "*What did you work on since last time?*\n" + "".join(f"• {u}: Maps\n" for u in members) + "\n"
        "*Is anything blocking you, or is there anything you need from the group?*\n"
        "• m1: nothing\n"
        "• m2: no blockers, all good\n"
        "• m3: None so far!\n"
        "• m4: not really\n"
        "• m5: nope 🙂\n"
        "• m6: I'm blocked on nothing\n"
        "• ⚠ r1: nothing works on my laptop\n"
        "• ⚠ r2: no wifi at the library\n"
        "• ⚠ r3: not sure how to start week 3\n"
        "\n"
        "Blockers above: facilitators, can someone help? Anyone can also `ask` me, or post in the community forum.\n"
        "\n"
        "Not answered this time: ann, bo, fay"
    )


async def test_a_custom_set_flags_blockers_on_its_problems_question(chat: Chat, app: BotApp, clock: Clock) -> None:
    """After `checkin questions set Done? | Next? | Any problems?` a problem in the third answer is flagged and
    DMed; "no problems" is not, and neither is the same text answering "Next?"."""
    await setup_group(chat)
    await chat.say("checkin questions set Done? | Next? | Any problems?", **FAY)
    run_id = (await app.scheduler.tick(FIRST))[0].buttons[0].value
    clock.now = FIRST + timedelta(hours=1)
    stuck = "no wifi at the library"
    ann = await chat.submit(f"checkin:answer:{run_id}", {"q0": "Maps", "q1": stuck, "q2": stuck}, user="ann")
    assert [r.text for r in ann[1:]] == [
        f"I found nothing that answers what is blocking you (“{stuck}”); your facilitator will see it in the summary. "
        "You can also `ask` me in other words."
    ]
    bo = await chat.submit(f"checkin:answer:{run_id}", {"q0": "Grids", "q2": "no problems"}, user="bo")
    assert len(bo) == 1
    (summary,) = await app.scheduler.tick(FIRST + timedelta(hours=24))
    assert summary.text == (
        "Answered: 2 of 3 (67%)\n"
        "\n"
        "*Done?*\n"
        "• ann: Maps\n"
        "• bo: Grids\n"
        "\n"
        "*Next?*\n"
        f"• ann: {stuck}\n"
        "\n"
        "*Any problems?*\n"
        f"• ⚠ ann: {stuck}\n"
        "• bo: no problems\n"
        "\n"
        "Blockers above: facilitators, can someone help? Anyone can also `ask` me, or post in the community forum.\n"
        "\n"
        "Not answered this time: fay"
    )
