"""People on the console path: link codes, roles and study groups following the person, ``people show``."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.events import Message, Origin, Reply, Visibility
from bot.features.people import hash_code
from bot.main.wiring import BotApp
from storage.models_people import LinkCodeRow
from tests.bot.lead_answers import VALID
from tests.conftest import Chat, Clock, DbTarget, make_settings, texts

CODE = re.compile(r"`link ([A-Z0-9-]{14})`")


@pytest.fixture
async def app(db_target: DbTarget, tmp_path: Path, clock: Clock) -> AsyncIterator[BotApp]:
    """A bot where a Slack account (and only it) is staff by settings."""
    bot = BotApp(make_settings(db_target, tmp_path, roles={"staff": ["slack:U0STAFF1"]}), clock=clock)
    await bot.start()
    yield bot
    await bot.close()


def said(replies: list[Reply]) -> str:
    """What the replies say, without empty titles."""
    return texts(replies).strip()


def code_in(replies: list[Reply]) -> str:
    found = CODE.search(said(replies))
    assert found is not None, said(replies)
    return found.group(1)


async def on_slack(app: BotApp, user: str, text: str) -> list[Reply]:
    """A DM from a Slack user, straight into the core."""
    origin = Origin("slack", f"D{user}", user, is_dm=True)
    return await app.dispatcher.handle(Message(origin, text))


async def test_a_code_links_two_accounts_once_and_is_stored_only_hashed(chat: Chat, app: BotApp) -> None:
    """`link` gives a private code; `link CODE` from another account links them; the code cannot be used again."""
    given = await chat.say("link", user="ann")
    assert [r.visibility for r in given] == [Visibility.EPHEMERAL]
    code = code_in(given)
    async with app.db.session() as session:
        stored = (await session.scalars(select(LinkCodeRow))).all()
    assert [row.code_hash for row in stored] == [hash_code(code)] and code not in repr(stored[0].__dict__)
    linked = await chat.say(f"link {code.lower()}", user="annie")
    assert said(linked) == "Linked. These accounts are now one person to me: console:ann, console:annie."
    again = await chat.say(f"link {code}", user="carl")
    assert said(again).startswith("That code is unknown, used or expired.")
    assert said(await chat.say("unlink", user="annie")) == "Unlinked: this account is on its own again."
    assert said(await chat.say("unlink", user="ann")) == "This account is not linked to any other."


async def test_an_expired_code_is_refused_and_an_own_code_is_kept_for_the_other_account(
    chat: Chat, clock: Clock
) -> None:
    """After ten minutes the code is refused; typed on the account that asked, it is not used up."""
    code = code_in(await chat.say("link", user="ann"))
    assert said(await chat.say(f"link {code}", user="ann")).startswith("That is this account's own code")
    clock.advance(minutes=9)
    assert said(await chat.say(f"link {code}", user="annie")).startswith("Linked.")
    late = code_in(await chat.say("link", user="bob"))
    clock.advance(minutes=10, seconds=1)
    assert said(await chat.say(f"link {late}", user="bobby")).startswith("That code is unknown, used or expired.")


async def test_a_role_given_to_one_account_counts_for_the_linked_one(chat: Chat, app: BotApp) -> None:
    """Staff by settings on Slack: the linked console account may run staff commands, and stops when unlinked."""
    assert said(await chat.say("leads list", user="sam")) == "Sorry, `leads list` is only for staff."
    code = code_in(await on_slack(app, "U0STAFF1", "link"))
    assert said(await chat.say(f"link {code}", user="sam")).startswith("Linked.")
    assert said(await chat.say("leads list", user="sam")) == "Leads (0)\nNo leads match."
    await chat.say("unlink", user="sam")
    assert said(await chat.say("leads list", user="sam")) == "Sorry, `leads list` is only for staff."


async def test_study_groups_follow_the_person(chat: Chat, app: BotApp) -> None:
    """A facilitator's linked account manages the group and sees it in `checkin mine`; a stranger cannot."""
    await chat.say("checkin create Python Circle", user="fay", role="facilitator", channel="circle")
    refused = "Sorry, only this group's facilitators (or staff) can do that."
    assert said(await chat.say("checkin mood on", user="fiona", channel="circle")) == refused
    code = code_in(await chat.say("link", user="fay"))
    await on_slack(app, "U0FAY0001", f"link {code}")
    mine = said(await on_slack(app, "U0FAY0001", "checkin mine"))
    assert mine == "Your study groups\n• Python Circle: no check-in planned"
    await chat.say("link", user="fay")  # a second code replaces the first
    code = code_in(await chat.say("link", user="fay"))
    await chat.say(f"link {code}", user="fiona")
    assert said(await chat.say("checkin mood on", user="fiona", channel="circle")) == "Saved: ask mood = on."


async def test_people_show_and_leads_show_name_the_linked_accounts(chat: Chat, app: BotApp) -> None:
    """Staff see a requester's other accounts under the lead and in `people show`; a user the bot has never seen is
    said to be unknown, not unlinked."""
    await chat.submit("consult:intake", VALID, user="ann")
    code = code_in(await chat.say("link", user="ann"))
    await on_slack(app, "U0ANN0001", f"link {code}")
    shown = said(await chat.say("leads show L-0001", user="sue", role="staff"))
    assert "Linked accounts: slack:U0ANN0001" in shown
    person = said(await chat.say("people show slack:U0ANN0001", user="sue", role="staff"))
    assert "Accounts: slack:U0ANN0001, console:ann" in person and "Requests: L-0001" in person
    unknown = said(await chat.say("people show nobody", user="sue", role="staff"))
    assert unknown == "I do not know console:nobody: they have not used the bot, and nothing I hold names them."
    await chat.say("ask how big should a learning circle be?", user="carl")  # carl is known from then on
    alone = said(await chat.say("people show carl", user="sue", role="staff"))
    assert alone == "console:carl is not linked to any other account."
    assert said(await chat.say("people show carl", user="ann")) == "Sorry, `people show` is only for staff."
