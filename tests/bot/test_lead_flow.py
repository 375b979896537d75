"""Consents on the consult form, the response timer, round-robin assignment, staff names and staff hours."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.events import Origin, Reply, Visibility
from bot.features.knowledge import text as knowledge_text
from bot.features.leads import text as say
from bot.features.leads.staff import StaffNames
from bot.main.wiring import BotApp
from bot.settings import Settings, StaffHours
from bot.staff_hours import next_opening, staff_time, staff_time_before
from storage.lead_flow import assign_if_unclaimed, lead_consents
from storage.leads import get_lead
from tests.bot.lead_answers import VALID
from tests.conftest import Chat, Clock, DbTarget, make_settings, texts

SAM = {"user": "U123", "role": "staff"}
STAFF = {"sam": ["console:U123", "slack:U123"], "kim": ["console:K9"], "lee": ["console:L7"]}


@asynccontextmanager
async def started(target: DbTarget, tmp_path: Path, clock: Clock, **extra: object) -> AsyncIterator[BotApp]:
    """A running bot with extra settings."""
    bot = BotApp(make_settings(target, tmp_path, **extra), clock=clock)
    await bot.start()
    try:
        yield bot
    finally:
        await bot.close()


def dms(replies: list[Reply]) -> list[tuple[str | None, str | None, str | None]]:
    """(platform, user, title) of each direct message."""
    return [(r.platform, r.user, r.title) for r in replies if r.visibility is Visibility.DM]


def staff_posts(replies: list[Reply]) -> list[str | None]:
    """Titles of what went to the staff channel."""
    return [r.title for r in replies if r.channel == "staff"]


# -- consent ------------------------------------------------------------------------------------------------------


async def test_both_consents_are_stored_with_their_words_version_and_platform(chat: Chat, clock: Clock) -> None:
    """Storing needs consent; other offers are optional, and either answer is kept with the text and its version."""
    await chat.submit("consult:intake", {**VALID, "consent_offers": ""})
    await chat.submit("consult:intake", {**VALID, "email": "bo@example.org", "consent_offers": "yes"}, user="bo")
    async with chat.app.db.session() as session:
        first, second = await lead_consents(session, 1), await lead_consents(session, 2)
    assert [(c.purpose, c.given) for c in first] == [("store", True), ("offers", False)]
    assert [(c.purpose, c.given) for c in second] == [("store", True), ("offers", True)]
    assert [c.text for c in first] == [say.FIELD_CONSENT, say.FIELD_CONSENT_OFFERS]
    assert {(c.version, c.platform, c.recorded_at) for c in first + second} == {
        (say.CONSENT_VERSION, "console", clock.now)
    }
    shown = texts(await chat.say("leads show L-0001", role="staff", user="sam"))
    assert f"Consent (to the wording of {say.CONSENT_VERSION}): store and reply yes; other offers no." in shown


async def test_consent_to_store_is_still_required(chat: Chat) -> None:
    """Without the first consent nothing is stored, whatever the second says."""
    refused = await chat.submit("consult:intake", {**VALID, "consent": "no", "consent_offers": "yes"})
    assert "consent" in dict(refused[0].form_errors)
    async with chat.app.db.session() as session:
        assert await get_lead(session, 1) is None


async def test_step_by_step_offers_question_can_be_skipped(chat: Chat) -> None:
    """On the console the optional second consent is asked last and may be skipped."""
    await chat.say("consult")
    for answer in ["Ann", "ann@example.org", "Org", "1", "Train our librarians", "Soon", "skip", "yes"]:
        replies = await chat.say(answer)
    assert "(9/9): May we also contact you later about other offers" in replies[-1].text
    assert "Your request is L-0001" in (await chat.say("skip"))[0].text
    async with chat.app.db.session() as session:
        assert [c.given for c in await lead_consents(session, 1)] == [True, False]


async def test_help_and_no_during_the_steps_do_what_people_mean(chat: Chat) -> None:
    """`help` where it cannot be the answer (an email) says where you are; "no" to the optional consent leaves it
    out; "no" to the required one stops the form and keeps nothing."""
    await chat.say("consult")
    await chat.say("Ann")
    (helped,) = await chat.say("help")
    assert helped.text.startswith("You are filling in ") and "(2/9): " in helped.text
    for answer in ["ann@example.org", "Org", "1", "Train our librarians", "Soon", "skip", "yes"]:
        await chat.say(answer)
    assert "Your request is L-0001" in (await chat.say("no"))[0].text
    async with chat.app.db.session() as session:
        assert [c.given for c in await lead_consents(session, 1)] == [True, False]
    await chat.say("consult")
    for answer in ["Bo", "bo@example.org", "Org", "1", "Train our librarians", "Soon", "skip"]:
        await chat.say(answer)
    (stopped,) = await chat.say("no")
    assert stopped.text.startswith("Without your agreement I can't keep this, so nothing was saved (")
    async with chat.app.db.session() as session:
        assert await get_lead(session, 2) is None


# -- response timer ---------------------------------------------------------------------------------------------


async def test_missed_target_reminds_the_assignee_then_the_staff_channel_once_each(
    db_target: DbTarget, tmp_path: Path, clock: Clock
) -> None:
    """`new` past 24 h: the assignee gets one DM; at 48 h the staff channel one notice; nothing more after."""
    async with started(db_target, tmp_path, clock, lead_flow={"staff": STAFF}) as bot:
        chat = Chat(bot)
        await chat.submit("consult:intake", VALID)
        await chat.say("leads assign L-0001 me", **SAM)
        created = clock.now
        assert await bot.scheduler.tick(created + timedelta(hours=23)) == []
        first = await bot.scheduler.tick(created + timedelta(hours=25))
        assert dms(first) == [("console", "U123", "Your lead L-0001 is waiting")] and staff_posts(first) == []
        assert "past its 24-hour response target" in first[0].text
        assert await bot.scheduler.tick(created + timedelta(hours=30)) == []
        second = await bot.scheduler.tick(created + timedelta(hours=49))
        assert dms(second) == [] and staff_posts(second) == ["Waiting for a reply: L-0001"]
        assert await bot.scheduler.tick(created + timedelta(hours=72)) == []
        history = texts(await chat.say("leads show L-0001", **SAM))
        assert "assignee reminded: new past 24 h" in history and "reminder still new" in history


async def test_each_status_has_its_own_target_and_a_new_status_restarts_the_timer(
    db_target: DbTarget, tmp_path: Path, clock: Clock
) -> None:
    """A lead moved to `contacted` is timed from then, against `contacted`'s target."""
    flow = {"staff": STAFF, "response_hours": {"new": 24, "contacted": 72}}
    async with started(db_target, tmp_path, clock, lead_flow=flow, lead_followup_hours=48) as bot:
        chat = Chat(bot)
        await chat.submit("consult:intake", VALID)
        await chat.say("leads assign L-0001 @sam", role="staff", user="kim")
        clock.advance(hours=20)
        await chat.say("leads status L-0001 contacted", **SAM)
        moved = clock.now
        assert await bot.scheduler.tick(moved + timedelta(hours=71)) == []
        late = await bot.scheduler.tick(moved + timedelta(hours=73))
        assert dms(late) == [("console", "U123", "Your lead L-0001 is waiting")]
        assert staff_posts(late) == ["Waiting for a reply: L-0001"]  # 48 h is before the target: told with it
        assert "has been 'contacted' for 73 hours" in next(r.text for r in late if r.channel == "staff")


async def test_two_schedulers_on_one_database_send_each_reminder_once(
    db_target: DbTarget, tmp_path: Path, clock: Clock
) -> None:
    """Two replicas ticking at the same moments: five assignee DMs, then five staff notices, between them."""
    settings = make_settings(db_target, tmp_path, lead_flow={"staff": STAFF})
    apps = [BotApp(settings, clock=clock) for _ in range(2)]
    for bot in apps:
        await bot.start()
    try:
        chat = Chat(apps[0])
        for n in range(1, 6):
            await chat.submit("consult:intake", {**VALID, "email": f"p{n}@example.org"})
            await chat.say(f"leads assign L-{n} sam", **SAM)
        for hours, expected in ((25, "dm"), (49, "staff"), (80, None)):
            later = clock.now + timedelta(hours=hours)
            results = await asyncio.gather(*(bot.scheduler.tick(later) for bot in apps))
            sent = [r for replies in results for r in replies]
            if expected is None:
                assert sent == []
                continue
            titles = sorted(r.title or "" for r in sent)
            prefix = "Your lead" if expected == "dm" else "Waiting for a reply:"
            assert titles == sorted(
                f"{prefix} L-000{n}" + (" is waiting" if expected == "dm" else "") for n in range(1, 6)
            )
    finally:
        for bot in apps:
            await bot.close()


# -- assignment and names ---------------------------------------------------------------------------------------


async def test_round_robin_skips_the_away_and_never_takes_a_claimed_lead(
    db_target: DbTarget, tmp_path: Path, clock: Clock
) -> None:
    """New leads go sam, kim, sam... while lee is away in the settings and kim away by command until back."""
    flow = {"staff": STAFF, "round_robin": ["sam", "kim", "lee"], "away": ["lee"]}
    async with started(db_target, tmp_path, clock, lead_flow=flow) as bot:
        chat = Chat(bot)

        async def new_lead(n: int) -> str:
            replies = await chat.submit("consult:intake", {**VALID, "email": f"p{n}@example.org"})
            return dict(next(r for r in replies if r.channel == "staff").fields)["Assignee"]

        assert [await new_lead(n) for n in range(3)] == ["sam", "kim", "sam"]
        assert "marked away" in (await chat.say("leads away on", role="staff", user="K9"))[0].text
        assert [await new_lead(n) for n in range(3, 5)] == ["sam", "sam"]
        await chat.say("leads away off", role="staff", user="K9")
        assert await new_lead(5) == "kim"
        async with bot.db.session() as session:
            assert not await assign_if_unclaimed(session, 6, "lee", clock.now)  # kim has it: it stays hers
        async with bot.db.session() as session:
            lead = await get_lead(session, 6)
        assert lead is not None and lead.assignee == "kim"


async def test_names_agree_however_staff_are_typed(db_target: DbTarget, tmp_path: Path, clock: Clock) -> None:
    """ "assign to me", `@Sam`, `sam` and a mention `<@U123>` are one person; `leads mine` finds all their leads."""
    async with started(db_target, tmp_path, clock, lead_flow={"staff": STAFF}) as bot:
        chat = Chat(bot)
        for n in range(1, 5):
            await chat.submit("consult:intake", {**VALID, "email": f"p{n}@example.org"})
        await chat.press("leads:assign", "1", **SAM)
        await chat.say("leads assign L-2 @Sam", role="staff", user="K9")
        await chat.say("leads assign L-3 <@U123>", role="staff", user="K9")
        await chat.say("leads assign L-4", role="staff", user="K9")
        for spelling in ("sam", "@sam", "<@U123>", "SAM"):
            listed = texts(await chat.say(f"leads list --assignee {spelling}", **SAM))
            assert "Leads (3)" in listed and "L-0004" not in listed, spelling
        mine = texts(await chat.say("leads mine", **SAM))
        assert "Leads (3)" in mine and "(assigned to sam)" in mine
        kims = texts(await chat.say("leads mine", role="staff", user="K9"))
        assert "Leads (1)" in kims and "L-0004" in kims and "(assigned to kim)" in kims


async def test_unnamed_staff_keep_working_as_before(chat: Chat) -> None:
    """With no staff named in the settings, "me" is still the platform id, and `--assignee` finds it by name."""
    await chat.submit("consult:intake", VALID)
    assert "assigned to console:sam" in (await chat.press("leads:assign", "1", user="sam", role="staff"))[0].text
    assert "Leads (1)" in texts(await chat.say("leads list --assignee sam", user="sam", role="staff"))
    assert "Leads (1)" in texts(await chat.say("leads mine", user="sam", role="staff"))
    assert "Usage: `leads away on|off`" in (await chat.say("leads away maybe", user="sam", role="staff"))[0].text


# -- staff hours --------------------------------------------------------------------------------------------------

HOURS = {"timezone": "Europe/Berlin", "days": ["mon", "tue", "wed", "thu", "fri"], "start": "09:00", "end": "17:00"}


async def test_a_consult_outside_staff_hours_says_when_to_expect_a_reply(
    db_target: DbTarget, tmp_path: Path, clock: Clock
) -> None:
    """Monday 10:00 in Berlin: plain thanks; Friday 17:30: the thanks name Monday 09:00, Berlin time."""
    async with started(db_target, tmp_path, clock, staff_hours=HOURS) as bot:
        chat = Chat(bot)
        inside = await chat.submit("consult:intake", VALID)
        assert [r.text for r in inside if r.channel is None] == [say.THANKS.format(ref="L-0001")]
        clock.now = datetime(2026, 3, 6, 16, 30, tzinfo=UTC)  # Friday 17:30 in Berlin
        outside = await chat.submit("consult:intake", {**VALID, "email": "bo@example.org"}, user="bo")
        (thanks,) = [r.text for r in outside if r.channel is None]
        assert thanks.startswith(say.THANKS.format(ref="L-0002"))
        assert "back Monday 9 March at 09:00 (Europe/Berlin time)" in thanks


def test_next_opening_follows_the_wall_clock_across_a_clock_change() -> None:
    """Saturday before the spring change: staff are back Monday 09:00 local, which is 07:00 UTC (CEST)."""
    hours = StaffHours.model_validate(HOURS)
    opening = next_opening(hours, datetime(2026, 3, 28, 12, 0, tzinfo=UTC))
    assert opening is not None and opening.astimezone(UTC) == datetime(2026, 3, 30, 7, 0, tzinfo=UTC)
    assert next_opening(hours, datetime(2026, 3, 30, 7, 0, tzinfo=UTC)) is None
    assert next_opening(hours, datetime(2026, 3, 30, 6, 59, tzinfo=UTC)) == opening


def test_bad_lead_flow_settings_are_refused() -> None:
    """An unknown zone, end before start, or a zero target is a configuration error."""
    for bad in (
        {"staff_hours": {**HOURS, "timezone": "Mars/Olympus"}},
        {"staff_hours": {**HOURS, "start": "18:00"}},
        {"lead_flow": {"response_hours": {"new": 0}}},
    ):
        with pytest.raises(ValueError):
            Settings(**bad)  # type: ignore[arg-type]


def test_platform_mentions_name_the_same_staff_member() -> None:
    """Slack's `<@U123|sam>` and Discord's `<@!112>` become the staff name their identity belongs to."""
    flow = Settings(lead_flow={"staff": {"Sam": ["slack:U123", "discord:112"]}}).lead_flow  # type: ignore[arg-type]
    names = StaffNames(flow)
    slack, discord = Origin("slack", "C1", "U999"), Origin("discord", "9", "777")
    assert names.canonical("<@U123|sam>", slack) == names.canonical("<@!112>", discord) == "sam"
    assert names.canonical("me", Origin("slack", "C1", "U123")) == "sam"
    assert names.canonical("<@U555>", slack) == "slack:U555"  # not named: kept as the platform identity
    assert names.dm_target("sam") == ("slack", "U123") and names.dm_target("bob") is None


async def test_ask_a_human_outside_staff_hours_says_when_staff_are_back(
    db_target: DbTarget, tmp_path: Path, clock: Clock
) -> None:
    """Friday 17:30 in Berlin: the question still goes to the help channel, and the asker learns staff are back
    Monday 09:00; during hours the reply is the plain one."""
    async with started(db_target, tmp_path, clock, staff_hours=HOURS) as bot:
        chat = Chat(bot)
        answer = (await chat.say("ask how many people should be in a learning circle?"))[0]
        human = next(b for b in answer.buttons if b.action_id == "kb:human")
        inside = await chat.press(human.action_id, human.value)
        assert [r.text for r in inside if r.channel is None] == [knowledge_text.PASSED_ON_DM]
        clock.now = datetime(2026, 3, 6, 16, 30, tzinfo=UTC)  # Friday 17:30 in Berlin
        answer = (await chat.say("ask how long should a meeting be?"))[0]  # a question is passed on once
        human = next(b for b in answer.buttons if b.action_id == "kb:human")
        outside = await chat.press(human.action_id, human.value)
        assert [r.channel for r in outside if r.channel is not None] == ["help"]
        (told,) = [r.text for r in outside if r.channel is None]
        assert told == (
            f"{knowledge_text.PASSED_ON_DM} Our team is away right now; they are back Monday 9 March at 09:00 "
            "(Europe/Berlin time), and will reply to you after that."
        )


async def test_the_response_timer_counts_staff_hours_and_the_notice_names_the_assignee(
    db_target: DbTarget, tmp_path: Path, clock: Clock
) -> None:
    """Sent on Saturday (Mon-Fri 09-17 Berlin): nothing on Sunday or Monday; the DM after 24 staff hours (Wednesday
    17:00), the staff notice after 48 (next Monday 17:00), naming sam instead of asking anyone to pick it up."""
    clock.now = datetime(2026, 3, 7, 11, 0, tzinfo=UTC)  # Saturday 12:00 in Berlin
    flow = {"staff": STAFF, "round_robin": ["sam"]}
    async with started(db_target, tmp_path, clock, staff_hours=HOURS, lead_flow=flow) as bot:
        thanks = await Chat(bot).submit("consult:intake", VALID)
        assert "back Monday 9 March at 09:00 (Europe/Berlin time)" in texts(thanks)
        for quiet in (datetime(2026, 3, 8, 11), datetime(2026, 3, 9, 11), datetime(2026, 3, 11, 15, 59)):
            assert await bot.scheduler.tick(quiet.replace(tzinfo=UTC)) == []  # Sunday, Monday, Wednesday 16:59
        (dm,) = await bot.scheduler.tick(datetime(2026, 3, 11, 16, 0, tzinfo=UTC))  # Wednesday 17:00
        assert (dm.platform, dm.user, dm.title) == ("console", "U123", "Your lead L-0001 is waiting")
        assert dm.text == "L-0001 has been 'new' for 24 staff hours, past its 24-hour response target."
        assert await bot.scheduler.tick(datetime(2026, 3, 16, 15, 59, tzinfo=UTC)) == []
        (notice,) = await bot.scheduler.tick(datetime(2026, 3, 16, 16, 0, tzinfo=UTC))  # next Monday 17:00
        assert (notice.channel, notice.title) == ("staff", "Waiting for a reply: L-0001")
        assert notice.text == (
            "This request has been 'new' for 48 staff hours. It is assigned to sam: sam, can you reply, or hand it "
            "to someone who can?"
        )


def test_staff_time_before_skips_nights_and_weekends_across_a_clock_change() -> None:
    """8 staff hours before Monday 30 March 10:00 (CEST) start Friday 27 March 10:00 (CET); with no hours, 8 hours."""
    hours = StaffHours.model_validate(HOURS)
    monday = datetime(2026, 3, 30, 8, 0, tzinfo=UTC)
    assert staff_time_before(hours, monday, timedelta(hours=8)) == datetime(2026, 3, 27, 9, 0, tzinfo=UTC)
    assert staff_time(hours, datetime(2026, 3, 27, 9, 0, tzinfo=UTC), monday) == timedelta(hours=8)
    assert staff_time_before(None, monday, timedelta(hours=8)) == monday - timedelta(hours=8)
