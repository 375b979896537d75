"""Everything the calendars feature says, in one place."""

from __future__ import annotations

SUMMARY_CALENDAR = "the group's meetings as a calendar file, and the feed to subscribe to"
CALENDAR_NAME = "{name} meetings"
EVENT_SUMMARY = "{name}: meeting"
EVENT_DESCRIPTION = "A meeting of the {name} study group ({community})."
ATTACHED = "The meetings of {name} as a calendar file ({meetings}): open it to add them to your calendar."
FEED = (
    "To keep your calendar up to date (moves and cancellations included), subscribe to this address: {url}\n"
    "Keep it within the group: anyone with it can see the meeting times and places."
)
NO_FEED = "A calendar you can subscribe to needs the bot's public address (COMMUNITYBOT_PUBLIC_URL); ask an admin."
NO_MEETINGS = "{name} has no meetings yet; a facilitator can plan them with `meetings schedule tue 18:00 --weeks 6`."
ADD_TO_CALENDAR_LINE = "[Add to calendar]({url})"
EVENT_DETAILS = "A meeting of the {name} study group."
NO_PLACE = "See the group's channel"
