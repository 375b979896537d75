"""Calendar storage on SQLite and PostgreSQL: one secret feed token per group, and sync claims one process wins."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from storage import Database
from storage.calendars import calendar_token, claim_sync, group_by_calendar_token, release_sync
from storage.checkins import create_group
from storage.meetings import NewMeeting, add_meetings

NOW = datetime(2026, 10, 20, 12, 0, tzinfo=UTC)


async def _group(db: Database, channel: str) -> int:
    async with db.session() as session:
        group = await create_group(
            session,
            name="Maps",
            platform="discord",
            channel=channel,
            timezone="America/New_York",
            questions=["q"],
            creator="fay",
            now=NOW,
        )
        return group.id


async def test_each_group_gets_one_unguessable_token(db: Database) -> None:
    """The token is made once and kept; each group has its own; only the exact token finds the group."""
    first, second = await _group(db, "c1"), await _group(db, "c2")
    async with db.session() as session:
        token = await calendar_token(session, first)
        assert await calendar_token(session, first) == token
        other = await calendar_token(session, second)
    assert len(token) >= 32 and token != other
    async with db.session() as session:
        found = await group_by_calendar_token(session, token)
        assert found is not None and found.id == first
        assert await group_by_calendar_token(session, token.upper() if token != token.upper() else "x") is None
        assert await group_by_calendar_token(session, str(first)) is None
        assert await group_by_calendar_token(session, "") is None


async def test_a_sync_claim_is_held_until_released_or_expired(db: Database) -> None:
    """A second claim fails while the first holds; it succeeds once the first expires or is released."""
    group = await _group(db, "c1")
    async with db.session() as session:
        (meeting,) = await add_meetings(session, group, [NewMeeting(NOW + timedelta(days=7), "2026-10-27T18:00")], NOW)
    lease = NOW + timedelta(minutes=2)
    async with db.session() as session:
        assert await claim_sync(session, meeting.id, NOW, lease)
    async with db.session() as session:
        assert not await claim_sync(session, meeting.id, NOW + timedelta(minutes=1), lease)
    async with db.session() as session:
        assert await claim_sync(session, meeting.id, lease, lease + timedelta(minutes=2))  # the first one died
    async with db.session() as session:
        await release_sync(session, meeting.id)
    async with db.session() as session:
        assert await claim_sync(session, meeting.id, lease, lease + timedelta(minutes=2))
