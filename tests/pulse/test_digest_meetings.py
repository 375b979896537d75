"""The digest counts meetings (issue: a week with two meetings held was "No activity", the card said "this week's
meeting" for two, and no headline spoke of meetings)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.events import Visibility
from bot.main.wiring import BotApp
from tests.conftest import Chat, Clock, DbTarget, make_settings
from tests.pulse.test_digest import cards, digests

FAY = {"user": "fay", "role": "facilitator", "channel": "maps"}
ANN = {"user": "ann", "channel": "maps"}
TUE = datetime(2026, 2, 24, 18, 0, tzinfo=UTC)  # week 2026-W09
THU = datetime(2026, 2, 26, 18, 0, tzinfo=UTC)
DIGEST = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # Monday: the digest of 2026-W09


async def test_a_week_of_meetings_is_activity_with_a_headline_and_a_plural_card(
    db_target: DbTarget, tmp_path: Path
) -> None:
    """Two meetings and a reflection, nothing else: the digest has headlines with a meetings line, and the
    facilitator's card speaks of this week's 2 meetings."""
    clock = Clock(datetime(2026, 2, 20, 12, 0, tzinfo=UTC))
    app = BotApp(make_settings(db_target, tmp_path, digest_day="mon"), clock=clock)
    await app.start()
    try:
        chat = Chat(app)
        await chat.say("checkin create Maps Circle", **FAY)
        await chat.say("checkin add ann", **FAY)
        for day in ("2026-02-24", "2026-02-26"):
            await chat.say(f"meetings add {day} 18:00", **FAY)
            await chat.say(f"meetings going {day}", **ANN)
        clock.now = THU + timedelta(hours=2)
        for answer in ("meetings reflect", "Good pace", "skip", "4"):
            said = await chat.say(answer, **ANN)
        assert said[0].text == "Thanks, your reflection is saved; the facilitator sees it with the others."
        sent = await app.scheduler.tick(DIGEST)
    finally:
        await app.close()
    posted = digests(sent)
    assert (posted[0].title, posted[0].text) == (
        "Community pulse: week 2026-W09",
        "Questions: 0 asked (same as the week before), 0 answered, 0 declined.\n"
        "Helpful: no answer was rated this week.\n"
        "Study groups: 0 active, 0 check-ins, participation n/a (nothing to compare with the week before); 0 at risk.\n"
        "Meetings: 2 held (none the week before), attendance 50% (nothing to compare with the week before), "
        "1 reflection.\n"
        "Leads: 0 received (same as the week before); over 8 weeks 0 won, 0 lost, median first response n/a.",
    )
    (card,) = cards(sent)
    assert (card.user, card.visibility, card.title, card.text) == (
        "fay",
        Visibility.DM,
        "Your group this week: Maps Circle (2026-W09)",
        "Attendance: 50% of members said Going to this week's 2 meetings (nothing to compare with the week before).\n"
        "No blockers reported.",
    )
