"""Every sentence the pulse report and the weekly digest show, in one place (for review and, later, translation)."""

from __future__ import annotations

__all__ = [
    "CARD_ATTENDANCE",
    "CARD_ATTENDANCE_AT_RISK",
    "CARD_AT_RISK",
    "CARD_BLOCKERS",
    "CARD_MORE_BLOCKERS",
    "CARD_NO_BLOCKERS",
    "CARD_PARTICIPATION",
    "CARD_THIS_WEEK",
    "CARD_TITLE",
    "CHART_TITLES",
    "COUNT_CHANGE",
    "DIGEST_CHART",
    "DIGEST_NO_ACTIVITY",
    "DIGEST_REPORT",
    "DIGEST_TITLE",
    "FROM_NONE",
    "HEADLINE_GAP",
    "HEADLINE_GROUPS",
    "HEADLINE_HELPFUL",
    "HEADLINE_LEADS",
    "HEADLINE_MEETINGS",
    "HEADLINE_NONE_RATED",
    "HEADLINE_QUESTIONS",
    "HOURS",
    "NOTHING_BEFORE",
    "NO_CHANGE",
    "NO_MEDIAN",
    "NO_RATE",
    "RATE_CHANGE",
    "REPORT_TITLE",
    "SECTIONS",
    "SINCE_AFTER_UNTIL",
    "TOO_LONG",
]

REPORT_TITLE = "Community pulse: {since} to {until}"
SINCE_AFTER_UNTIL = "--since {since} is after --until {until}; give the first day, then the last"
TOO_LONG = "that period has {weeks} weeks; a report covers at most {max} (about three years)"


SECTIONS = {
    "questions": "Questions",
    "recipes": "Top recipes",
    "gaps": "Top gaps",
    "groups": "Study groups",
    "at_risk": "Groups at risk (participation fell three weeks running)",
    "meetings": "Meetings",
    "meetings_at_risk": "Groups at risk (meeting attendance fell three weeks running)",
    "leads": "Leads",
    "escalations": "Escalations (questions passed to people)",
}

CHART_TITLES = {
    "questions": "Questions per week",
    "participation": "Check-in participation per week",
    "leads": "Leads received per week",
    "gaps": "Top knowledge gaps",
}

DIGEST_TITLE = "Community pulse: week {week}"
CARD_TITLE = "Your group this week: {name} ({week})"
CARD_ATTENDANCE = "Attendance: {rate} of members said Going to {meetings} ({change})."
CARD_THIS_WEEK = ("this week's meeting", "this week's {count} meetings")  # one, several
CARD_ATTENDANCE_AT_RISK = "Meeting attendance has fallen three weeks running: ask members what would help them come."
CARD_PARTICIPATION = "Participation: {rate} of members answered the check-in ({change})."
CARD_AT_RISK = "Participation has fallen three weeks running: a word with those who missed it might help."
CARD_BLOCKERS = "Blockers reported ({count}):"
CARD_MORE_BLOCKERS = "…and {count} more in the check-in summary."
CARD_NO_BLOCKERS = "No blockers reported."
DIGEST_CHART = "{title} (week {week})"
DIGEST_NO_ACTIVITY = (
    "No activity in week {week}: no questions asked, no study group check-ins or meetings, no leads received."
)
DIGEST_REPORT = "The full report for {since} to {until}: open the attached HTML file in a browser."
HEADLINE_QUESTIONS = "Questions: {asked} asked ({change}), {answered} answered, {declined} declined."
HEADLINE_HELPFUL = "Helpful: {rate} of rated answers ({change})."
HEADLINE_NONE_RATED = "Helpful: no answer was rated this week."
HEADLINE_GROUPS = "Study groups: {active} active, {held}, participation {rate} ({change}); {at_risk} at risk."
HEADLINE_MEETINGS = "Meetings: {held} held ({change}), attendance {rate} ({rate_change}), {reflections}."
HEADLINE_LEADS = (
    "Leads: {received} received ({change}); over {weeks} {won} won, {lost} lost, median first response {median}."
)
HEADLINE_GAP = "Top gap: “{example}” ({questions} in {weeks})."
COUNT_CHANGE = "{change:+.0%} on the week before"
RATE_CHANGE = "{change:+.0f} points on the week before"
NO_RATE = "n/a"
NO_MEDIAN = "n/a"
NO_CHANGE = "same as the week before"
FROM_NONE = "none the week before"
NOTHING_BEFORE = "nothing to compare with the week before"
HOURS = "{hours:.1f} h"
