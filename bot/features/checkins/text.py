"""Everything the check-ins feature says to users, in one place to review and, later, translate.

Format strings take named fields; user text (group names, answers, user ids) is passed through
:func:`bot.usertext.quote` by the caller before it goes in.
"""

from __future__ import annotations

DEFAULT_QUESTIONS = (
    "What did you work on since last time?",
    "What will you work on next?",
    "Is anything blocking you, or is there anything you need from the group?",
)
DAY = "%a %d %b"

# -- the group and its members ----------------------------------------------------------------------------------
NO_GROUP = "There is no study group in this channel yet. A facilitator can start one with `checkin create NAME`."
NO_GROUP_IN_DM = (
    "That works in your study group's channel, not in a direct message: type it there. "
    "`checkin mine` lists your groups."
)
FACILITATORS_ONLY = "Sorry, only this group's facilitators (or staff) can do that."
CREATE_USAGE = "Usage: `checkin create NAME [--tz Europe/Berlin]`"
NAME_TOO_LONG = "A group name can be at most 100 characters."
CREATE_IN_DM = "Create a study group in the channel it will use, not in a direct message."
CHANNEL_TAKEN = "This channel already has a study group; one channel holds one group."
CREATED = (
    "Study group **{name}** created here (time zone {zone}); you are its facilitator. "
    "Next: `checkin schedule tue 18:00 --weeks 6`."
)
# Created without --tz: times would silently be UTC, an hour or more off for most groups.
CREATED_IN_UTC = (
    "Study group **{name}** created here (time zone UTC, since none was given); you are its facilitator. "
    "Next: `checkin schedule tue 18:00 --weeks 6 --tz Europe/Berlin`, with your group's own zone."
)
WELCOME = "Welcome to {name}!"
ALREADY_IN = "You are already in {name}."
LEFT = "You have left {name}."
WAS_NOT_IN = "You were not in {name}."
ADD_USAGE = "Usage: `checkin add USER [--facilitator]`"
ADDED_MEMBER = "{user} is now a member of {name}."
ADDED_FACILITATOR = "{user} is now a facilitator of {name}."
ALREADY_MEMBER = "{user} is already a member of {name}."
ALREADY_FACILITATOR = "{user} is already a facilitator of {name}."
REMOVED = "{user} removed from {name}."
LAST_FACILITATOR_LEAVING = (
    "You are the only facilitator of {name}, so it would be left with nobody to run it. "
    "Add another facilitator first with `checkin add USER --facilitator`, then leave."
)
LAST_FACILITATOR_REMOVED = (
    "{user} is the only facilitator of {name}, so it would be left with nobody to run it. "
    "Add another facilitator first with `checkin add USER --facilitator`."
)
NOT_A_MEMBER = "{user} is not in {name}."
MINE_TITLE = "Your study groups"
NO_GROUPS = "You are not in a study group yet. In a group's channel, type `checkin join`."
MINE_LINE = "• {name}: {when}"
MINE_NEXT = "next check-in {when}"
NONE_PLANNED = "no check-in planned"

# -- questions and settings -------------------------------------------------------------------------------------
QUESTIONS_TITLE = "{name} questions"
QUESTION_LINE = "{number}. {question}"
MOOD_QUESTION = "Mood question: {state}"
QUESTIONS_USAGE = "Usage: `checkin questions` to see them, `checkin questions set Q1 | Q2 | Q3` to change"
QUESTIONS_EMPTY = "Give at least one question, separated by |, e.g. `checkin questions set Done? | Next?`"
QUESTIONS_TOO_MANY = "Use at most 10 questions of at most 300 characters each."
QUESTIONS_SAVED = "{questions} saved; they apply from the next check-in."
ON_OFF_USAGE = "Usage: `checkin {command} on|off`"
TOO_MANY_HOURS = "Use at most 168 hours (a week)."
SETTING_SAVED = "Saved: {setting} = {value}."
REMINDER_CAPPED = (
    "With answers open {window} h, the reminder goes out halfway through, after {hours} h rather than {reminder} h, "
    "so there is still time to answer."
)
NOT_POSITIVE = "{what} wants a whole number of at least 1, not {text!r}"
NOT_IN_RANGE = "{what} wants a whole number from 1 to {most}, not {text!r}; nothing was changed."

# -- the schedule -----------------------------------------------------------------------------------------------
SCHEDULE_USAGE = (
    "Usage: `checkin schedule DAYS HH:MM [--tz ZONE] [--start YYYY-MM-DD] "
    "[--weeks N | --count N | --until YYYY-MM-DD]`, e.g. `checkin schedule mon,wed,fri 09:30 --weeks 6`; "
    "or `checkin schedule before-meetings 24h` / `after-meetings`"
)
TIED_USAGE = (
    "Usage: `checkin schedule before-meetings [24h]` (1 to 168 hours before each meeting) "
    "or `checkin schedule after-meetings`"
)
TIED_BEFORE = "Check-ins now go out {hours} h before each meeting (see `meetings list`), instead of a weekly schedule."
TIED_AFTER = "Check-ins now go out at the end of each meeting (see `meetings list`), instead of a weekly schedule."
TIED_NEXT_BEFORE = "Check-ins go out {hours} h before each meeting; `meetings list` shows the coming meetings."
TIED_NEXT_AFTER = "Check-ins go out at the end of each meeting; `meetings list` shows the coming meetings."
ONE_END_ONLY = "Give only one of --weeks, --count and --until."
START_PASSED = "(--start {day:%a %d %b %Y} has passed, so check-ins are counted from today.)"
NO_RUNS_AFTER_NOW = "That schedule has no check-ins after now; check the start and end dates."
SCHEDULED = "Scheduled. The first check-in is {when}."
ZONE_CHANGED = "The group's time zone changed from {before} to {after}."
PAUSED = "Check-ins for {name} are paused. `checkin resume` starts them again."
RESUMED = "Check-ins resumed; the next is {when}."
RESUMED_TIED = "Check-ins for {name} resumed: they go out with its meetings again (`checkin next` says when)."
ALREADY_PAUSED = "Check-ins for {name} are already paused. `checkin resume` starts them again."
NOT_PAUSED = "Check-ins for {name} are not paused: `checkin next` says when the next goes out."
TIED_PAUSED = "They are paused: `checkin resume` starts them again."
NO_MEETINGS_YET = "No meeting is planned ahead yet: each one added with `meetings add` gets its check-in."
RESUMED_ENDED = "Check-ins resumed, but the schedule has ended: set a new one with `checkin schedule`."
NO_SCHEDULE = "This group has no schedule; set one with `checkin schedule`."
NOTHING_TO_SKIP = "There is no upcoming check-in to skip."
ALREADY_SKIPPED = "{day:%a %d %b %Y} is already skipped; nothing changed."
NO_CHECKIN_THAT_DAY = "There is no check-in on {day:%a %d %b %Y} to skip; the next ones are on {dates}."
NONE_LEFT = "no day: the schedule has ended"
SKIPPED = "No check-in on {day:%a %d %b %Y}. The next is {when}."
SKIPPED_LAST = (
    "No check-in on {day:%a %d %b %Y}. That was the last one of the schedule; set a new one with `checkin schedule`."
)
CANCELLED = "The check-in schedule of {name} is cancelled. Past answers are kept."
NONE_SCHEDULED = "No check-ins are scheduled."
NEXT_TITLE = "Next check-ins of {name}{paused}"
NEXT_PAUSED = " (paused)"
NEXT_LINE = "• {when}"
IN_ZONE = "{group} ({zone}: {when})"
REPEATS = "The schedule repeats every week until it is cancelled."
RUNS_LEFT = "{left} left, counting the next one."
MORE_THAN = "more than {runs}"

# -- prompts, reminders and answers -----------------------------------------------------------------------------
PROMPT_TITLE = "Check-in: {name}"
PROMPT = "Time for this week's check-in! Press Answer (or type `checkin answer`). Answers close {closes}."
PROMPT_LATE = "Sorry, this check-in is late (it was due {due}). Answers still close {closes}."
REMINDER = "A gentle reminder: the {name} check-in closes {closes}. You can answer with the button below."
REMINDER_TYPED = (
    "A gentle reminder: the {name} check-in closes {closes}. You can answer by typing `checkin answer {name}`."
)
"""The reminder where its button cannot be pressed: the DMs the console prints (``scheduler tick``)."""
ANSWER_BUTTON = "Answer"
FORM_TITLE = "Check-in: {name}"
MOOD_LABEL = "How confident do you feel? (1 low, 5 high)"
SAVED = "Thanks, your check-in is saved. You can change it until {closes}."
EDITED = "Your check-in is updated. You can change it until {closes}."
CLOSED = "This check-in closed {closes}; answers are no longer accepted."
# A member's answer form still half filled when the check-in closes: dropped, and the member told by DM.
CLOSED_FORM = "The {name} check-in closed {closes} before you sent your answers, so I closed your answer form."
CLOSED_PARTIAL = " What you had answered is in the summary, marked partial."
NO_OPEN = "There is no check-in open for answers right now. `checkin next` shows when the next one is."
CHOOSE_ONE = "You have more than one check-in open; choose one: {choices}"
NONE_CALLED = "None of your open check-ins is called {name}; choose one: {choices}"
CHOICE = "`checkin answer {name}`"
STALE_BUTTON = "That button no longer does anything."
GONE = "That check-in no longer exists."
ANSWER_SOMETHING = "Please answer at least one question."
MOOD_RANGE = "Choose a number from 1 to 5."
BLOCKER_RECIPE = "About what is blocking you (“{blocker}”): this may help."
BLOCKER_LISTED = (
    "I found nothing that answers what is blocking you (“{blocker}”); your facilitator will see it in the summary. "
    "You can also `ask` me in other words."
)
BLOCKER_READ = "Read more"

# -- summaries, stats and export --------------------------------------------------------------------------------
SUMMARY_TITLE = "Check-in summary: {name}, {day}"
ANSWERED = "Answered: {answered} of {expected} ({rate:.0%})"
ANSWERED_PARTLY = ", and {count} partly (begun but not sent: marked partial)"
PARTIAL = " (partial)"
SUMMARY_QUESTION = "*{question}*"
SUMMARY_ANSWER = "• {flag}{user}: {text}"
BLOCKER_FLAG = "⚠ "
CONFIDENCE = "Confidence: average {average:.1f} of 5 ({answers})"
BLOCKER_HELP = (
    "Blockers above: facilitators, can someone help? Anyone can also `ask` me, or post in the community forum."
)
NOT_ANSWERED = "Not answered this time: {users}"
AWAY = "Away: {users}"
STATS_TITLE = "{name}: participation"
NO_RUNS_YET = "No check-ins have run yet."
PER_MEMBER = "Per member (answered / check-ins, current streak):"
MEMBER_LINE = "• {user}: {done}/{total}, streak {streak}"
MEMBER_AWAY = ", away for {runs} (not counted)"
PER_RUN = "Per check-in:"
RUN_LINE = "• {when}: {count} answered{away} ({status})"
RUN_AWAY = ", {count} away"
EXPORTED = "{runs} exported."
EXPORT_FILE = "checkins.csv"
EXPORT_COLUMNS = ("run_id", "scheduled_local", "scheduled_utc", "status", "user", "question", "answer", "mood")
NOT_A_USER = "“{given}” is not a member: name one as @name, a mention or their id."
