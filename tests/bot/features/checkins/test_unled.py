"""The only facilitator of a study group erases their data: erasure goes ahead (their right), the confirm step warns
that the group is left with nobody to run it, and staff are told so they can give it a facilitator."""

from __future__ import annotations

from pathlib import Path

from bot.events import Visibility
from bot.features.people import text as say
from bot.main.wiring import BotApp
from bot.when import plain
from storage.checkins import get_group_by_channel, members
from tests.bot.features.checkins.conftest import FAY, setup_group
from tests.conftest import Chat, DbTarget, make_settings

UNLED = (
    "The study group **Maps Circle** (channel maps) has no facilitator any more: its only facilitator erased their "
    "data. Its check-ins go on; give it a facilitator with `checkin add USER --facilitator` in its channel."
)


async def _members(app: BotApp) -> list[tuple[str, bool]]:
    async with app.db.session() as session:
        group = await get_group_by_channel(session, "console", "maps")
        assert group is not None
        return [(m.user, m.is_facilitator) for m in await members(session, group.id)]


async def test_the_only_facilitator_is_warned_and_staff_are_told(chat: Chat, app: BotApp) -> None:
    """Fay runs Maps Circle alone: `mydata delete` warns her, erasing still goes ahead, and the staff channel is told
    the group has no facilitator; its members stay."""
    await setup_group(chat)
    (confirm,) = await chat.say("mydata delete", user="fay")
    assert confirm.text == say.CONFIRM_ERASES + (
        " You are the only facilitator of the study group **Maps Circle**: erasing your data leaves it with nobody "
        "to run it. I will tell the staff, so they can give it a new facilitator. Erase it?"
    )
    erase = confirm.buttons[0]
    done = await chat.press(erase.action_id, erase.value, user="fay")
    assert done[0].text.startswith("Done. Erased or anonymized: ")
    assert [(r.channel, r.platform, r.title, plain(r.text)) for r in done[1:]] == [
        ("staff", "console", "A study group has no facilitator", UNLED)
    ]
    assert await _members(app) == [("ann", False), ("bo", False)]


async def test_a_group_with_another_facilitator_needs_no_warning(chat: Chat) -> None:
    """Bo facilitates Maps Circle too: Fay's erasure warns of nothing and tells staff nothing."""
    await setup_group(chat)
    await chat.say("checkin add bo --facilitator", **FAY)
    (confirm,) = await chat.say("mydata delete", user="fay")
    assert confirm.text == say.CONFIRM
    done = await chat.press(confirm.buttons[0].action_id, confirm.buttons[0].value, user="fay")
    assert [r.visibility for r in done] == [Visibility.EPHEMERAL]


async def test_staff_forgetting_the_only_facilitator_are_told_in_the_reply(chat: Chat, app: BotApp) -> None:
    """`privacy forget fay` erases her and says which group now has no facilitator."""
    await setup_group(chat)
    (done,) = await chat.say("privacy forget fay", user="sam", role="staff")
    assert done.text.endswith(
        " That leaves the study group **Maps Circle** with no facilitator: give it one with "
        "`checkin add USER --facilitator` in its channel."
    )
    assert await _members(app) == [("ann", False), ("bo", False)]


async def test_with_no_staff_channel_the_warning_is_all(db_target: DbTarget, tmp_path: Path) -> None:
    """With no staff channel the confirm step asks to make a member facilitator first; the erasure then posts no
    notice (it went to a channel literally named "staff")."""
    app = BotApp(make_settings(db_target, tmp_path).model_copy(update={"staff_channel": None}))
    await app.start()
    try:
        chat = Chat(app)
        await chat.say("checkin create Maps Circle", **FAY)
        await chat.say("checkin join", user="ann", channel="maps")
        (confirm,) = await chat.say("mydata delete", user="fay")
        assert "nobody to run it" in confirm.text and "I will tell the staff" not in confirm.text
        done = await chat.press(confirm.buttons[0].action_id, confirm.buttons[0].value, user="fay")
        assert [r.visibility for r in done] == [Visibility.EPHEMERAL]
    finally:
        await app.close()
