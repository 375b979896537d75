"""``meetings``: a study group's dated meetings, reminders with RSVPs, reflections after each, and late joiners.

One module per concern: :mod:`.manage` (schedule, add, move, cancel, list), :mod:`.settings` (reminders, where the
reflections summary goes), :mod:`.rsvp` (Going / Can't make it, ``meetings who``), :mod:`.reflect` (Plus/Delta),
:mod:`.report`, :mod:`.jobs` (every notice about a meeting) and :mod:`.catchup` (late joiners' DM); every sentence
is in :mod:`.text` and every time goes through :func:`bot.when.at`.

Like the check-ins' managing commands, the facilitator commands are open to every member here and the handlers let
through the facilitators *of this group* (and staff) themselves
(:func:`bot.features.checkins.common.require_facilitator`).
"""

from __future__ import annotations

from typing import ClassVar

from bot.events import Action
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
from bot.features.meetings import catchup, jobs, manage, reflect, report, rsvp, settings

__all__ = ["Meetings"]


class Meetings:
    """Study-group meetings."""

    name: ClassVar[str] = "meetings"

    def __init__(self, deps: Deps) -> None:
        self._deps = deps

    def surface(self) -> Surface:
        """The ``meetings`` group, the RSVP and Reflect buttons, the Plus/Delta form, and two jobs."""
        return Surface(
            self.name,
            groups=(Group("meetings", "Study-group meetings", usage_hint="list | who | schedule tue 18:00 --weeks 6"),),
            commands=self._commands(),
            actions=(ActionRoute("meetings", self._on_button),),
            forms=(FormRoute("meetings", reflect.on_form),),
            jobs=(jobs.notices, catchup.catchups),
        )

    @staticmethod
    async def _on_button(ctx: Context, action: Action) -> Replies:
        """Going / Can't make it, or Reflect (the prefix ``meetings`` is this feature's)."""
        if action.action_id == reflect.REFLECT_ACTION:
            return await reflect.on_button(ctx, action)
        return await rsvp.on_button(ctx, action)

    def _commands(self) -> tuple[Command, ...]:
        return (
            Command("meetings list", manage.listing, "the coming meetings of this channel's group", max_args=0),
            *self._manage(),
            *self._answers(),
            *for_group_facilitators(
                Command(
                    "meetings who",
                    rsvp.who,
                    "who is coming to the next meeting or that day's (facilitators)",
                    usage="meetings who [YYYY-MM-DD [HH:MM]]",
                    max_args=2,
                )
            ),
            Command(
                "meetings reminders",
                settings.reminders,
                "see or set the reminders before each meeting",
                usage="meetings reminders [24h 1h | off]",
            ),
            *for_group_facilitators(
                Command(
                    "meetings summary",
                    settings.summary,
                    "where the reflections summary goes (facilitators)",
                    usage="meetings summary channel|dm",
                    max_args=1,
                ),
                Command(
                    "meetings report",
                    report.report,
                    "attendance and reflections over the weeks (facilitators)",
                    usage="meetings report [csv]",
                    max_args=1,
                ),
            ),
        )

    @staticmethod
    def _manage() -> tuple[Command, ...]:
        """Setting up and changing the group's meetings."""
        return for_group_facilitators(
            Command(
                "meetings schedule",
                manage.schedule,
                "set weekly meetings (facilitators)",
                usage="meetings schedule DAYS HH:MM [--weeks N] [--start DATE] [--length 90m] [--place T | --link URL]",
                examples=('meetings schedule tue 18:00 --weeks 6 --place "Room 2"',),
            ),
            Command(
                "meetings add",
                manage.add,
                "add a one-off meeting (facilitators)",
                usage="meetings add YYYY-MM-DD HH:MM [--length 90m] [--place TEXT | --link URL]",
                examples=("meetings add 2026-11-12 18:00 --link https://meet.example.org/maps",),
            ),
            Command(
                "meetings move",
                manage.move,
                "move a meeting to another time or day (facilitators)",
                usage="meetings move YYYY-MM-DD [HH:MM] [NEW-DATE] NEW-HH:MM",
                examples=("meetings move 2026-11-03 2026-11-04 18:30",),
            ),
            Command(
                "meetings cancel",
                manage.cancel,
                "cancel a meeting (facilitators)",
                usage="meetings cancel YYYY-MM-DD [HH:MM]",
                max_args=2,
            ),
        )

    @staticmethod
    def _answers() -> tuple[Command, ...]:
        """What the buttons under a reminder and a Reflect post do, typed (where buttons cannot be pressed)."""
        return (
            Command(
                "meetings going",
                rsvp.going,
                "say you are coming to the next meeting (or that day's), as the Going button does",
                usage="meetings going [YYYY-MM-DD [HH:MM]]",
                max_args=2,
            ),
            Command(
                "meetings cant",
                rsvp.cant,
                "say you can't make the next meeting (or that day's), as the Can't make it button does",
                usage="meetings cant [YYYY-MM-DD [HH:MM]]",
                max_args=2,
            ),
            Command(
                "meetings reflect",
                reflect.typed,
                "Plus/Delta on the meeting that just ended (or that day's), as the Reflect button does",
                usage="meetings reflect [YYYY-MM-DD [HH:MM]]",
                max_args=2,
            ),
        )
