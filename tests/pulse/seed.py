"""A fixture builder: six weeks of community activity, written through the storage repositories.

The period is 2026-10-05 (Monday of ISO week 41) to 2026-11-15 (Sunday of week 46). Each week's numbers are spelled
out in the tables below so the expected report can be worked out by hand (see test_report.py). A little activity
falls just outside the period, to prove the boundaries hold.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from storage import Database
from storage.checkins import NewRun, add_member, create_group, insert_runs, save_answer
from storage.escalations import claim_escalated, open_escalation
from storage.leads import NewLead, add_lead_event, insert_lead, update_lead
from storage.meeting_notes import set_rsvp
from storage.meetings import NewMeeting, add_meetings, cancel_meeting
from storage.questions import log_question, record_vote
from storage.threads import mark_solved, open_thread, record_human_reply

START = datetime(2026, 10, 5, tzinfo=UTC)  # Monday, ISO 2026-W41
SINCE, UNTIL = "2026-10-05", "2026-11-15"

# Per week: answered, declined, given "start-a-circle", given "find-a-venue", helpful (on start-a-circle),
# not helpful (on find-a-venue). The rest of the answered questions get "facilitation-tips".
QUESTION_WEEKS = [
    (8, 2, 4, 2, 3, 1),
    (9, 3, 4, 2, 4, 0),
    (6, 1, 2, 2, 2, 2),
    (10, 4, 5, 3, 5, 1),
    (7, 0, 3, 2, 0, 0),
    (5, 2, 2, 3, 1, 3),
]
# Declined questions, week by week: (text, how many).
DECLINED = [
    [("How do I find a co-facilitator?", 1), ("Is there a certificate for finishing a course?", 1)],
    [("How do I find a co-facilitator?", 2), ("how do I find a co-facilitator for my learning circle", 1)],
    [("how do I find a co-facilitator for my learning circle", 1)],
    [
        ("How do I find a co-facilitator?", 1),
        ("Finding a co-facilitator", 1),
        ("Is there a certificate for finishing a course?", 2),
    ],
    [],
    [
        ("how do I find a co-facilitator for my learning circle", 1),
        ("Do learners get a certificate when they finish a course?", 1),
    ],
]
VENUE_QUESTIONS = ("Where can we meet for free?", "where can our circle meet for free")

# Study groups: members at the start, answers per week (None: the run was missed), members joining later.
GROUPS = {
    "Maps Circle": {"members": ["fay", "ann", "bo", "cy"], "answers": [4, 4, 4, 3, 2, 1], "first_week": 0},
    "Python Circle": {"members": ["gil", "hal", "ivy"], "answers": [2, 3, None, 3, 4, 2], "first_week": 0},
    "Design Circle": {"members": ["kim", "lu"], "answers": [1, 2], "first_week": 4},
}
# Meetings (Tuesdays 18:00 UTC): members who said they were going, week by week (None: cancelled; absent: none).
MEETINGS = {
    "Maps Circle": [4, 4, 4, 3, 2, 1],
    "Python Circle": [3, 2, None, 2],
}
PYTHON_JOINER_WEEK = 3  # "jo" joins Python Circle on the Monday of week 3 (index), before that week's run


@dataclass(frozen=True)
class Seeded:
    """Ids the tests need."""

    groups: dict[str, int]
    leads: list[int]


def week(index: int, days: float = 0, hours: float = 0) -> datetime:
    """An instant ``days`` and ``hours`` into week ``index`` of the period."""
    return START + timedelta(weeks=index, days=days, hours=hours)


async def _questions(db: Database) -> None:
    async with db.session() as s:
        for i, (answered, _declined, circle, venue, helpful, unhelpful) in enumerate(QUESTION_WEEKS):
            at = week(i, days=2, hours=10)
            for j in range(answered):
                if j < circle:
                    qid = await log_question(s, "slack", f"how to start a circle {i}-{j}", "start-a-circle", 0.9, at)
                    if j < helpful:
                        await record_vote(s, qid, "start-a-circle", f"slack:asker{i}-{j}", "helpful", at)
                elif j < circle + venue:
                    text = VENUE_QUESTIONS[(j - circle) % 2]
                    qid = await log_question(s, "discord", text, "find-a-venue", 0.6, at)
                    if j - circle < unhelpful:
                        await record_vote(s, qid, "find-a-venue", f"discord:asker{i}-{j}", "not_helpful", at)
                else:
                    await log_question(s, "slack", f"facilitation tip {i}-{j}", "facilitation-tips", 0.8, at)
            for text, count in DECLINED[i]:
                for _ in range(count):
                    await log_question(s, "slack", text, None, 0.2, at)
        # Outside the period: the Sunday before and the Monday after.
        await log_question(s, "slack", "How do I find a co-facilitator?", None, 0.1, START - timedelta(minutes=1))
        await log_question(s, "slack", "How do I find a co-facilitator?", None, 0.1, week(6))


async def _groups(db: Database) -> dict[str, int]:
    ids: dict[str, int] = {}
    async with db.session() as s:
        for n, (name, spec) in enumerate(GROUPS.items()):
            users: list[str] = list(spec["members"])  # type: ignore[call-overload]
            first: int = spec["first_week"]  # type: ignore[assignment]
            joined = week(first, days=-4)
            group = await create_group(
                s,
                name=name,
                platform="slack",
                channel=f"C{n}",
                timezone="UTC",
                questions=["What did you do?", "Is anything blocking you?"],
                creator=users[0],
                now=joined,
            )
            ids[name] = group.id
            for user in users[1:]:
                await add_member(s, group.id, user, joined)
            if name == "Python Circle":
                await add_member(s, group.id, "jo", week(PYTHON_JOINER_WEEK))
                users = [*users, "jo"]
            answers: list[int | None] = spec["answers"]  # type: ignore[assignment]
            weeks = [(first - 1, 2)] if name == "Maps Circle" else []  # a run the week before the period
            weeks += [(first + k, count) for k, count in enumerate(answers)]
            for index, count in weeks:
                at = week(index, days=1, hours=17)
                status = "missed" if count is None else "closed"
                new = NewRun(group, at, status, None if count is None else at, at + timedelta(hours=24), at)
                (run,) = await insert_runs(s, [new])
                for user in users[: count or 0]:
                    # One blocker, in the last week: the facilitator of Maps Circle is stuck.
                    blocker = (
                        "stuck on the map projections" if (name, index, user) == ("Maps Circle", 5, "fay") else "no"
                    )
                    await save_answer(s, run.id, user, ["reading", blocker], None, at + timedelta(hours=1))
    return ids


def _lead(n: int) -> NewLead:
    return NewLead(f"Person {n}", f"p{n}@example.org", "Org", "training", "help", "soon", "", "slack", f"U{n}")


async def _leads(db: Database) -> list[int]:
    # (created, [(hours after, actor, kind)], final status)
    plan = [
        (week(0, hours=10), [(2, "staff:amy", "status")], "won"),
        (week(1, days=2, hours=9), [(48, "communitybot", "reminder"), (50, "staff:amy", "assigned")], "contacted"),
        (week(2, days=3), [(1, "slack:U3", "update"), (4, "staff:bob", "note")], "lost"),
        (week(4, days=1), [], "new"),
        (week(5, days=6, hours=20), [(1, "staff:amy", "status")], "spam"),
        (START - timedelta(days=3), [(1, "staff:amy", "status")], "won"),  # before the period
    ]
    ids = []
    async with db.session() as s:
        for n, (created, events, status) in enumerate(plan):
            lead = await insert_lead(s, _lead(n), created)
            await add_lead_event(s, lead.id, f"slack:U{n}", "created", "", created)
            for hours, actor, kind in events:
                await add_lead_event(s, lead.id, actor, kind, "", created + timedelta(hours=hours))
            if status != "new":
                await update_lead(s, lead.id, created + timedelta(hours=60), status=status)
            ids.append(lead.id)
    return ids


async def _meetings(db: Database, ids: dict[str, int]) -> None:
    async with db.session() as s:
        for name, going in MEETINGS.items():
            users: list[str] = [*GROUPS[name]["members"], "jo"]  # type: ignore[misc]
            # Maps Circle also met the week before and the week after the period: those are not counted.
            weeks = [(-1, 4), *enumerate(going), (6, 4)] if name == "Maps Circle" else list(enumerate(going))
            for index, count in weeks:
                at = week(index, days=1, hours=18)
                plan = [NewMeeting(at, at.strftime("%Y-%m-%dT%H:%M"))]
                (meeting,) = await add_meetings(s, ids[name], plan, week(-2))
                if count is None:
                    await cancel_meeting(s, meeting.id, week(index))
                for user in users[: count or 0]:
                    await set_rsvp(s, meeting.id, user, "yes", at - timedelta(hours=2))
                if name == "Maps Circle" and index == 4:
                    await set_rsvp(s, meeting.id, "cy", "no", at - timedelta(hours=2))  # a "no" is not attendance


# Escalations: (question id, week, hours until staff were told, hours until a person answered, solved).
# Question 1 is answered by a peer in 2 h, 2 by a person 6 h after staff were told at 4 h, 3 answered in 1 h and
# solved, 4 still open; 5 was escalated the Sunday before the period.
ESCALATIONS = [(1, 0, None, 2, False), (2, 1, 4, 6, False), (3, 2, None, 1, True), (4, 3, 4, None, False)]


async def _escalations(db: Database) -> None:
    async with db.session() as s:
        rows = [*((qid, week(w), staff, human, solved) for qid, w, staff, human, solved in ESCALATIONS)]
        rows.append((5, START - timedelta(hours=1), None, 1, False))
        for qid, at, staff, human, solved in rows:
            thread = f"t{qid}"
            await open_thread(s, "slack", "C0HELP", thread, "U0ASK", f"question {qid}", at, question_id=qid)
            e, _ = await open_escalation(
                s, qid, platform="slack", channel="C0HELP", thread=thread, link=None, asker="U0ASK", now=at
            )
            if staff is not None:
                await claim_escalated(s, e.id, at + timedelta(hours=staff))
            if human is not None:
                await record_human_reply(s, "slack", "C0HELP", thread, "U0PAT", at + timedelta(hours=human))
            if solved:
                await mark_solved(s, "slack", "C0HELP", thread, "U0ASK", "U0PAT", at + timedelta(hours=human or 0))


async def seed_six_weeks(db: Database) -> Seeded:
    """Write the six weeks of activity described in this module."""
    await _questions(db)
    await _escalations(db)
    groups = await _groups(db)
    await _meetings(db, groups)
    leads = await _leads(db)
    return Seeded(groups, leads)
