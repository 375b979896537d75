"""The meetings repository on SQLite and PostgreSQL: add, list, move and cancel raise the sequence, platform sync
marks, and a member's RSVPs and reflections are exported and forgotten with them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import insert

from storage import Database
from storage.checkins import create_group
from storage.forget import Person, forget_person
from storage.meetings import (
    NewMeeting,
    add_meetings,
    cancel_meeting,
    get_meeting,
    group_meetings,
    mark_synced,
    meetings_to_sync,
    move_meeting,
)
from storage.models_meetings import MeetingReflectionRow, MeetingRsvpRow
from storage.personal import personal_rows

NOW = datetime(2026, 10, 20, 12, 0, tzinfo=UTC)


async def _group(db: Database, platform: str = "discord", channel: str = "c1") -> int:
    async with db.session() as session:
        group = await create_group(
            session,
            name="Maps",
            platform=platform,
            channel=channel,
            timezone="America/New_York",
            questions=["q"],
            creator="fay",
            now=NOW,
        )
        return group.id


async def test_meetings_round_trip_move_and_cancel_raise_the_sequence(db: Database) -> None:
    gid = await _group(db)
    first = datetime(2026, 10, 27, 22, 0, tzinfo=UTC)  # 18:00 EDT
    async with db.session() as session:
        added = await add_meetings(
            session,
            gid,
            [
                NewMeeting(first, "2026-10-27T18:00", series="s1", place="Library"),
                NewMeeting(datetime(2026, 11, 3, 23, 0, tzinfo=UTC), "2026-11-03T18:00", series="s1", link="https://x"),
            ],
            NOW,
        )
    assert [m.local_start for m in added] == ["2026-10-27T18:00", "2026-11-03T18:00"]
    assert added[0].uid != added[1].uid and added[0].uid.endswith("@communitybot")
    assert (added[0].timezone, added[0].length_minutes, added[0].sequence, added[0].status) == (
        "America/New_York",
        90,
        0,
        "scheduled",
    )
    assert added[0].ends_at == first + timedelta(minutes=90)
    async with db.session() as session:
        moved = await move_meeting(session, added[0].id, first + timedelta(days=1), "2026-10-28T18:00", NOW)
        cancelled = await cancel_meeting(session, added[1].id, NOW)
        again = await cancel_meeting(session, added[1].id, NOW)
    assert moved is not None and moved.sequence == 1 and moved.local_start == "2026-10-28T18:00"
    assert moved.uid == added[0].uid
    assert cancelled is not None and cancelled.status == "cancelled" and cancelled.sequence == 1
    assert again is not None and again.sequence == 1
    async with db.session() as session:
        everything = await group_meetings(session, gid)
        upcoming = await group_meetings(session, gid, include_cancelled=False)
        assert await get_meeting(session, 999) is None
    assert [m.id for m in everything] == [added[0].id, added[1].id]
    assert [m.id for m in upcoming] == [added[0].id]


async def test_sync_marks_are_per_platform_and_never_go_back(db: Database) -> None:
    discord_group = await _group(db)
    slack_group = await _group(db, "slack", "C1")
    at = datetime(2026, 10, 27, 22, 0, tzinfo=UTC)
    async with db.session() as session:
        (meeting,) = await add_meetings(session, discord_group, [NewMeeting(at, "2026-10-27T18:00")], NOW)
        await add_meetings(session, slack_group, [NewMeeting(at, "2026-10-27T18:00")], NOW)
    async with db.session() as session:
        assert [m.id for m in await meetings_to_sync(session, "discord", 10)] == [meeting.id]
        assert await mark_synced(session, meeting.id, 0, "ev1")
    async with db.session() as session:
        assert await meetings_to_sync(session, "discord", 10) == []
        await move_meeting(session, meeting.id, at + timedelta(hours=1), "2026-10-27T19:00", NOW)
    async with db.session() as session:
        (due,) = await meetings_to_sync(session, "discord", 10)
        assert (due.sequence, due.synced_sequence, due.platform_event_id) == (1, 0, "ev1")
        assert await mark_synced(session, meeting.id, 1, "ev1")
        assert not await mark_synced(session, meeting.id, 0, "stale")  # an older push cannot win
        final = await get_meeting(session, meeting.id)
    assert final is not None and (final.synced_sequence, final.platform_event_id) == (1, "ev1")


async def test_rsvps_and_reflections_are_exported_and_forgotten(db: Database) -> None:
    gid = await _group(db)
    async with db.session() as session:
        (meeting,) = await add_meetings(session, gid, [NewMeeting(NOW, "2026-10-20T08:00")], NOW)
        for user in ("U0MARIA42", "bo"):
            await session.execute(
                insert(MeetingRsvpRow).values(meeting_id=meeting.id, user_id=user, answer="yes", updated_at=NOW)
            )
        await session.execute(
            insert(MeetingReflectionRow).values(
                meeting_id=meeting.id, user_id="U0MARIA42", plus="maps", delta="less", rating=4, at=NOW
            )
        )
        await session.execute(
            insert(MeetingReflectionRow).values(
                meeting_id=meeting.id, user_id="bo", plus="pairing with U0MARIA42", delta="", rating=None, at=NOW
            )
        )
    maria = Person(user_ids=frozenset({"U0MARIA42"}))
    exported = await personal_rows(db, maria, [])
    assert [r["user_id"] for r in exported["meeting_rsvps"]] == ["U0MARIA42"]
    assert sorted(r["plus"] for r in exported["meeting_reflections"]) == ["maps", "pairing with U0MARIA42"]
    await forget_person(db, "nobody@example.org", maria, "staff", "asked", NOW)
    after = await personal_rows(db, maria, [])
    assert "meeting_rsvps" not in after and "meeting_reflections" not in after
    bo = await personal_rows(db, Person(user_ids=frozenset({"bo"})), [])
    assert [r["answer"] for r in bo["meeting_rsvps"]] == ["yes"]
    assert [r["plus"] for r in bo["meeting_reflections"]] == ["pairing with (forgotten)"]
