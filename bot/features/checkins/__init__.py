"""``checkin``: study groups schedule recurring check-ins; members answer; the bot reminds and summarises.

Every bit of state is in the database (see :mod:`bot.features.checkins.jobs` for how runs are claimed). The
handlers hold no state, so they are plain functions, one module per concern: :mod:`.groups` (the group and its
members), :mod:`.config` (questions and settings), :mod:`.schedule`, :mod:`.answers` (the answer command, button
and form), :mod:`.report` (summary, stats, export) and :mod:`.jobs`; every sentence is in :mod:`.text`.

Who may do what: members join, leave, answer and look; ``checkin create`` needs the facilitator role; the other
managing commands are for the facilitators *of this group* (and staff), which depends on the group's roster, so
those handlers check it themselves (:func:`.common.require_facilitator`).
"""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import ClassVar

from bot.events import FormSubmission, Reply
from bot.feature import (
    ActionRoute,
    Command,
    Context,
    Deps,
    FormRoute,
    Group,
    Replies,
    Surface,
    for_group_facilitators,
)
from bot.features.checkins import answers, config, groups, jobs, report, schedule
from bot.features.checkins.blockers import blocker_help
from bot.permissions import Role
from storage import Database

__all__ = ["Checkins"]


class Checkins:
    """Study groups and their check-ins."""

    name: ClassVar[str] = "checkins"

    def __init__(self, deps: Deps) -> None:
        self._posted = deps.metrics.checkins_posted
        self._knowledge = deps.knowledge

    def surface(self) -> Surface:
        """The ``checkin`` group (21 of Discord's 25 subcommands), the Answer button and form, and three jobs."""
        return Surface(
            self.name,
            groups=(
                Group(
                    "checkin", "Study-group check-ins", usage_hint="next | answer | join | schedule tue 18:00 --weeks 6"
                ),
            ),
            commands=self._member_commands() + for_group_facilitators(*self._facilitator_commands()),
            actions=(ActionRoute("checkin", answers.on_button),),
            forms=(FormRoute("checkin", self.on_answer),),
            jobs=(self.post_due, jobs.remind, jobs.close),
        )

    def _member_commands(self) -> tuple[Command, ...]:
        return (
            Command(
                "checkin create",
                groups.create,
                "start a study group in this channel",
                usage="checkin create NAME [--tz ZONE]",
                examples=("checkin create Python Circle --tz Europe/Berlin",),
                min_role=Role.FACILITATOR,
                complete=groups.channel_name,
            ),
            Command("checkin join", groups.join, "join this channel's study group", max_args=0),
            Command("checkin leave", groups.leave, "leave this channel's study group", max_args=0),
            Command("checkin answer", answers.answer, "answer the open check-in"),
            Command("checkin mine", groups.mine, "your study groups and their next check-ins", home=1, max_args=0),
            Command(
                "checkin next",
                schedule.next_runs,
                "upcoming check-ins, in the group's time zone and yours",
                usage="checkin next [--tz ZONE]",
                examples=("checkin next --tz America/New_York",),
            ),
            Command("checkin stats", report.stats, "participation and streaks", max_args=0),
            Command(
                "checkin questions",
                config.questions,
                "see (facilitators: set) the questions",
                usage="checkin questions [set Q1 | Q2 | Q3]",
            ),
        )

    def _facilitator_commands(self) -> tuple[Command, ...]:
        # Open to every member here: the handler lets through the facilitators of the channel's group and staff.
        return (
            Command(
                "checkin schedule",
                schedule.schedule,
                "set the recurring schedule (facilitators)",
                usage="checkin schedule DAYS HH:MM [--tz ZONE] [--start DATE] [--weeks N|--count N|--until DATE]"
                " | before-meetings [24h] | after-meetings",
                examples=(
                    "checkin schedule tue 18:00 --weeks 6",
                    "checkin schedule mon,wed,fri 09:30",
                    "checkin schedule before-meetings 24h",
                ),
            ),
            Command("checkin add", groups.add, "add a member (facilitators)", usage="checkin add USER [--facilitator]"),
            Command("checkin remove", groups.remove, "remove a member (facilitators)", usage="checkin remove USER"),
            Command(
                "checkin mood",
                config.mood,
                "ask for a 1-5 confidence rating (facilitators)",
                usage="checkin mood on|off",
                max_args=1,
            ),
            Command(
                "checkin dm",
                config.dm,
                "also send the prompt to members by DM (facilitators)",
                usage="checkin dm on|off",
                max_args=1,
            ),
            Command(
                "checkin window",
                config.window,
                "hours answers stay open (facilitators)",
                usage="checkin window HOURS",
                max_args=1,
            ),
            Command(
                "checkin reminder",
                config.reminder,
                "hours before non-responders get a DM reminder (facilitators)",
                usage="checkin reminder HOURS",
                max_args=1,
            ),
            Command("checkin pause", schedule.pause, "pause check-ins (facilitators)", max_args=0),
            Command("checkin resume", schedule.resume, "resume check-ins (facilitators)", max_args=0),
            Command("checkin skip-next", schedule.skip_next, "skip the next check-in (facilitators)", max_args=0),
            Command(
                "checkin skip",
                schedule.skip_date,
                "skip a date, e.g. a holiday (facilitators)",
                usage="checkin skip YYYY-MM-DD",
                max_args=1,
            ),
            Command("checkin cancel", schedule.cancel, "cancel the schedule (facilitators)", max_args=0),
            Command("checkin export", report.export, "CSV of runs and answers (facilitators)", max_args=0),
        )

    async def on_answer(self, ctx: Context, submission: FormSubmission) -> Replies:
        """A submitted check-in, and help from the recipes for any blocker in it."""
        return await answers.on_answer(ctx, submission, partial(blocker_help, self._knowledge))

    async def post_due(self, db: Database, now: datetime) -> list[Reply]:
        """The scheduler's job posting the check-ins now due, counted in the metrics."""
        return await jobs.post_due(db, now, self._posted.inc)
