"""Everything the meetings feature says to users, in one place to review and, later, translate.

Times come from :func:`bot.when.at` (never formatted here); user text is passed through :func:`bot.usertext.quote`
by the caller before it goes in.
"""

from __future__ import annotations

# -- scheduling -------------------------------------------------------------------------------------------------
SCHEDULE_USAGE = (
    "Usage: `meetings schedule DAYS HH:MM [--weeks N] [--start YYYY-MM-DD] [--length 90m] "
    '[--place TEXT | --link URL]`, e.g. `meetings schedule tue 18:00 --weeks 6 --place "Room 2"`'
)
ADD_USAGE = "Usage: `meetings add YYYY-MM-DD HH:MM [--length 90m] [--place TEXT | --link URL]`"
MOVE_USAGE = (
    "Usage: `meetings move YYYY-MM-DD [HH:MM] [NEW-DATE] NEW-HH:MM`, e.g. `meetings move 2026-11-03 2026-11-04 18:30` "
    "(give the meeting's time too when its day has two)"
)
CANCEL_USAGE = "Usage: `meetings cancel YYYY-MM-DD [HH:MM]` (the time only when that day has two meetings)"
WANTS_TWO = "`{command}` wants {wants}. {usage}"
TOO_MANY_WORDS = "`{command}` takes {wants}, so I did not run it with {extra} after them. {usage}"
ADD_WANTS = "a date and a time"
SCHEDULE_WANTS = "days and a time"
PLACE_IN_QUOTES = 'Put a place of several words in quotes: `--place "{place}"`. {usage}'
PLACE_OR_LINK = "Give a place or a link, not both."
BAD_LINK = "A link must start with https:// or http:// and be at most 500 characters."
PLACE_TOO_LONG = "A place can be at most 200 characters."
BAD_LENGTH = "A length is like 90m, 1h or 1h30m, between 5 minutes and 12 hours, not {text!r}."
NOTHING_AHEAD = "That schedule adds no meeting: none after now, or all already planned (`meetings list`)."
IN_THE_PAST = "{when} has already passed; meetings are set in the future."
SCHEDULED = "Scheduled {meetings} of {name}: first {first}, last {last}, {length} minutes{where}."
ALREADY_THEN = "{when} already has a meeting; `meetings move` changes its time."
MOVE_ONTO_TAKEN = (
    "{when} already has a meeting: move or cancel that one first (`meetings cancel {day}`), or pick another time."
)
ADDED = "Meeting added: {when}, {length} minutes{where}."
CLOCK_TWICE = "({asked:%H:%M} happens twice that night: the clocks go back, and the meeting is at the first, {when}.)"
CLOCK_GAP = "({asked:%H:%M} does not exist that night: the clocks go forward, so the meeting is at {shown:%H:%M}.)"
AT_PLACE = ", at {place}"
AT_LINK = ", online: {link}"
NO_MEETING_ON = "{name} has no scheduled meeting on {day}. `meetings list` shows the coming ones."
TWO_ON = "{name} has more than one meeting on {day} (at {times}); give the time too, e.g. `{again}`."
WAS_CANCELLED = "The meeting of {when} has been cancelled; {then}"
# What to do next, by who can: a facilitator moving or cancelling sets a new meeting, anyone else looks for the next.
CANCELLED_THEN_ADD = "`meetings add` sets a new one."
CANCELLED_THEN_LIST = "`meetings list` shows the coming ones."
# The commands with which a facilitator changes the plan (the others are open to members, or only read it).
PLANNING = frozenset({"meetings move", "meetings cancel"})
ALREADY_HELD = (
    "The meeting of {when} has already started or taken place; only coming meetings can be moved or cancelled."
)
MOVED = "Meeting moved from {old} to {new}. Members are reminded of the new time."
CANCELLED = "The meeting of {when} is cancelled."

# -- listing ----------------------------------------------------------------------------------------------------
LIST_TITLE = "Coming meetings of {name}"
LIST_LINE = "• {when}, {length} min{where}"
NONE_AHEAD = "No meetings are planned. A facilitator can set some with `meetings schedule tue 18:00 --weeks 6`."
MORE_AHEAD = "…and {count} more."

# -- settings ---------------------------------------------------------------------------------------------------
REMINDERS_USAGE = "Usage: `meetings reminders 24h 1h` (up to 3, each 5m to 7d before), or `meetings reminders off`"
REMINDER_OUT_OF_RANGE = (
    "`meetings reminders`: each reminder goes from 5m to 7d before the meeting, not {given!r}; nothing was changed."
)
TOO_MANY_REMINDERS = (
    "`meetings reminders`: at most {most} reminders, e.g. `meetings reminders 24h 1h`; nothing was changed."
)
REMINDERS_NOW = "Reminders before each meeting: {which}."
REMINDERS_NONE = "none"
REMINDERS_SAVED = "Saved. Reminders before each meeting: {which}."
SUMMARY_USAGE = "Usage: `meetings summary channel|dm` (where the reflections summary goes)"
SUMMARY_SAVED = "Saved. The reflections summary after each meeting goes to {where}."
SUMMARY_WHERE = {"channel": "this channel", "dm": "the facilitators by direct message"}

# -- reminders and RSVPs ----------------------------------------------------------------------------------------
REMINDER_TITLE = "Meeting reminder: {name}"
REMINDER = "{name} meets {when}{where}. Are you coming?"
GOING_BUTTON = "Going"
NOT_GOING_BUTTON = "Can't make it"
GOING = "See you {when}! (You can still change your answer with the buttons.)"
NOT_GOING = "Thanks for letting the group know. You will get no more reminders for the meeting of {when}."
GOING_TYPED = "See you {when}! (`meetings cant` changes your answer.)"
RSVP_USAGE = (
    "Usage: `meetings going [YYYY-MM-DD [HH:MM]]` or `meetings cant [YYYY-MM-DD [HH:MM]]` (the next meeting by default)"
)
TYPE_RSVP = "(Answer with `meetings going` or `meetings cant` in #{channel}.)"
NOT_OPEN = "The meeting of {when} has already started or was cancelled."
STALE_BUTTON = "That button no longer does anything."
GONE = "That meeting no longer exists."
WHO_TITLE = "Who is coming: {when}"
WHO_GOING = "Going ({count}): {users}"
WHO_NOT = "Can't make it ({count}): {users}"
WHO_UNKNOWN = "No answer yet ({count}): {users}"
GUEST = " (guest: not in the group)"
NOBODY = "nobody"
NO_NEXT = "There is no coming meeting. `meetings list` shows the plan."

# -- reflections ------------------------------------------------------------------------------------------------
REFLECT_TITLE = "How did it go? {name}"
REFLECT = "Thanks for meeting {when}! One tap: what worked, and what would you change? ({seen})"
# Who reads a reflection, by where `meetings summary` sends the summary: the answer is signed with the member's name.
REFLECT_SEEN_BY = {
    "channel": "The summary, with your name, is posted in the group's channel.",
    "dm": "It goes to the facilitators only.",
}
TYPE_REFLECT = "(Answer with `meetings reflect` in #{channel}.)"
REFLECT_USAGE = "Usage: `meetings reflect [YYYY-MM-DD [HH:MM]]` (the meeting that just ended by default)"
NOTHING_TO_REFLECT = (
    "No meeting is open for reflections now: they open when a meeting starts and close a day after it ends."
)
REFLECT_BUTTON = "Reflect"
FORM_TITLE = "Plus/Delta"
PLUS_LABEL = "What worked? (plus)"
DELTA_LABEL = "What would you change? (delta)"
RATING_LABEL = "How was it overall? (1 low, 5 high)"
SAY_SOMETHING = "Write what worked or what you would change."
RATING_RANGE = "Choose a number from 1 to 5."
REFLECTION_SAVED = "Thanks, your reflection is saved; the facilitator sees it with the others."
REFLECTION_EDITED = "Your reflection is updated."
REFLECTIONS_CLOSED = "Reflections on the meeting of {when} are closed."
# A Plus/Delta sent after reflections closed: the form ends with this (it used to stay open, refusing every message).
CLOSED_LATE = (
    "Reflections on the meeting of {when} closed {closes}, so your Plus/Delta was not saved; I closed the form."
)
GONE_FORM = "That meeting no longer exists, so your Plus/Delta was not saved; I closed the form."
# A Plus/Delta still half filled when reflections close: closed, and the member told by DM.
CLOSED_FORM = (
    "Reflections on the meeting of {when} closed {closes} before you sent your Plus/Delta, so I closed the form."
)
CLOSED_PARTIAL = " What you had written is in the summary, marked partial."
SUMMARY_TITLE = "Reflections: {name}, {when}"
SUMMARY_COUNTS = "Going: {going} · Can't make it: {not_going} · Reflections: {count}"
SUMMARY_RATING = "Rating: average {average:.1f} of 5 ({count} rated)"
SUMMARY_PLUS = "*What worked*"
SUMMARY_DELTA = "*What to change*"
SUMMARY_LINE = "• {user}: {text}"
SUMMARY_PARTLY = " ({count} partial: begun but not sent)"
PARTIAL = " (partial)"
NO_REFLECTIONS = "No reflections this time."

# -- report -----------------------------------------------------------------------------------------------------
REPORT_TITLE = "{name}: meetings"
REPORT_USAGE = "`meetings report` takes nothing (the report here) or `csv` (the table as a file), not {given}."
REPORT_NONE = "No meeting has taken place yet."
REPORT_LINE = "• {when}: going {going}, can't {not_going}, checked in {checked_in}, reflections {reflections}{rating}"
REPORT_RATING = ", rating {average:.1f}"
REPORT_CANCELLED = "• {when}: cancelled"
REPORT_TOTALS = "Meetings held: {held} · average going: {going:.1f} · average checked in: {checked_in:.1f}"
EXPORTED = "{meetings} exported."
EXPORT_FILE = "meetings.csv"
EXPORT_COLUMNS = (
    "meeting_local",
    "meeting_utc",
    "status",
    "user",
    "rsvp",
    "checked_in",
    "plus",
    "delta",
    "rating",
)

# -- late joiners -----------------------------------------------------------------------------------------------
CATCHUP_TITLE = "Welcome to {name}: catching up"
CATCHUP_NEXT = "The next meeting is {when}{where}."
CATCHUP_NO_NEXT = "No next meeting is planned yet."
CATCHUP_COVERED = "*What the group covered lately*"
CATCHUP_RUN = "{day}:"
CATCHUP_ANSWER = "• {user}: {text}"
CATCHUP_NOTHING = "No check-in answers yet."
CATCHUP_BLOCKERS = "*Open blockers* (maybe you can help)"
CATCHUP_NO_BLOCKERS = "No open blockers."
