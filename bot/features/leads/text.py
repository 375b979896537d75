"""Everything the leads feature says: replies, errors, form labels, command summaries and the labels staff see.

Format strings take named fields; ``{community}`` is the community's name from the settings.
"""

from __future__ import annotations

__all__ = ["CONSENT_VERSION", "HELP_KINDS"]

HELP_KINDS = (
    ("training", "Facilitator training"),
    ("course_design", "Course design"),
    ("pilot", "Running a pilot"),
    ("hosting", "Hosting / technical work"),
    ("research", "Research partnership"),
    ("other", "Something else"),
)

# -- the requester --------------------------------------------------------------------------------------------
INTRO = "Tell us a little about what you'd like to do, and someone from the team will get in touch."
THANKS = "Thank you! Your request is {ref}. Someone from the team will be in touch by email."
FORM_TITLE = "Work with {community}"
FORM_SUBMIT = "Send request"
FIELD_NAME = "Your name"
FIELD_EMAIL = "Email"
HINT_EMAIL = "We will only use it to reply to you."
FIELD_ORGANIZATION = "Organization"
FIELD_HELP_KIND = "What would you like help with?"
FIELD_DESCRIPTION = "Tell us about your project"
FIELD_TIMELINE = "Timeline"
HINT_TIMELINE = "e.g. 'starting in March, for 8 weeks'"
FIELD_BUDGET = "Budget range"
FIELD_CONSENT = "May we store these details and contact you about this request?"
FIELD_CONSENT_OFFERS = "May we also contact you later about other offers (courses, events)? Optional."
CONSENT_OFFERS_CHOICES = (("yes", "Yes, you may"), ("no", "No, thank you"))
CONSENT_VERSION = "2026-11-27"
"""The version of the two consent texts above: change it whenever either text changes."""

# -- staff notices ----------------------------------------------------------------------------------------------
STAFF_NEW = "New consulting request {ref}"
POSSIBLE_DUPLICATE = (
    "Same email address as the open request {other}. "
    "If it is the same person, merge them with `leads merge {ref} into {other}`."
)
"""Said under a possible duplicate, whose "Possible duplicate of" field (:data:`LABEL_DUPLICATE_OF`) names the other
lead: why it may be one, and how to merge them, without saying "possible duplicate" twice."""
FOLLOW_UP_TITLE = "Waiting for a reply: {ref}"
FOLLOW_UP = "This request has been '{status}' for {hours}. Could someone pick it up?"
FOLLOW_UP_ASSIGNED = (
    "This request has been '{status}' for {hours}. It is assigned to {assignee}: {assignee}, can you reply, or hand "
    "it to someone who can?"
)
ASSIGNEE_REMINDER_TITLE = "Your lead {ref} is waiting"
ASSIGNEE_REMINDER = "{ref} has been '{status}' for {hours}, past its {target}-hour response target."
HOUR = "hour"
STAFF_HOUR = "staff hour"

# -- staff commands ---------------------------------------------------------------------------------------------
GROUP = "Consulting leads (staff)"
SUMMARY_CONSULT = "ask the {community} team for paid help with a project"
SLASH_CONSULT = "Ask the team for help with a project"
SUMMARY_LIST = "list consulting leads"
SUMMARY_SHOW = "show one lead and its history"
SUMMARY_ASSIGN = "assign a lead (to you by default)"
SUMMARY_STATUS = "set a lead's status"
SUMMARY_NOTE = "add a note to a lead (the requester gets it in their `mydata`: write what they may read)"
SUMMARY_EXPORT = "export every lead as CSV"
SUMMARY_MERGE = "merge a duplicate lead into another (its details go to the other's history)"
SUMMARY_MINE = "list the leads assigned to you"
SUMMARY_AWAY = "mark yourself away (no new leads handed to you in turn) or back"
SUMMARY_FORGET = "erase a person from every lead and record that names them (keeps anonymous statistics)"

LIST_TITLE = "Leads ({n})"
NO_MATCH = "No leads match."
SHOW_TITLE = "Lead {ref}"
DESCRIPTION_FORGOTTEN = "(description forgotten)"
LINKED = "Linked accounts"
HISTORY = "History:"
CHANGED = "{ref}: {what}."
STATUS_CHANGED = "status is now {status}"
ASSIGNED = "assigned to {assignee}"
NOTE_ADDED = "note added"
EXPORTED = "{leads} exported."
FORGOTTEN = "Erased the personal details of {leads}: {refs}. Anonymous statistics are kept."
FORGOTTEN_ELSEWHERE = "Also erased or anonymized {records} naming them (questions, forms, notes, answers)."
FORGOTTEN_IN_EXPORTS = "Also removed them from {files} in {folder}."
FORGET_NONE = "No lead has that email address."
# The account that sent a lead with the email is not the person (an assistant sends their boss's address).
FORGET_NOT_FOLLOWED = (
    "{leads} {was} sent from the chat account {account}, which I left as it is: an email typed into a form does not "
    "say who typed it. If that account is theirs, run `leads forget {email} --user {user}` "
    "(or `privacy forget {account}`)."
)
AWAY_ON = "You are marked away: new leads are not handed to you in turn until `leads away off`."
AWAY_OFF = "Welcome back: new leads are handed to you in turn again."
AUTO_ASSIGNED = "in turn"
MERGED = "{source} is merged into {target}: its details are in {target}'s history, and {source} is closed."

# -- mistakes ---------------------------------------------------------------------------------------------------
SHOW_USAGE = "Usage: `leads show L-0042`"
NOT_A_REF = "{text!r} is not a lead reference (like L-0042)."
NO_LEAD = "There is no lead {ref}."
LIST_UNEXPECTED = "Unexpected {word!r}; usage: `leads list [--status S] [--assignee U] [--since DATE]`"
UNKNOWN_STATUS = "Unknown status {status!r}; use one of: {statuses}"
BAD_SINCE = "--since wants a date like 2026-01-31, not {value!r}"
ASSIGN_USAGE = "Usage: `leads assign L-0042 [USER]` (default: you)"
STATUS_USAGE = "Usage: `leads status L-0042 STATUS`, STATUS one of {statuses}"
NOTE_USAGE = "Usage: `leads note L-0042 TEXT`"
FORGET_USAGE = 'Usage: `leads forget EMAIL [--name "FULL NAME"] [--user USER_ID]`'
MERGE_USAGE = "Usage: `leads merge L-0002 into L-0001` (the first is closed, its details go to the second)"
MERGE_ITSELF = "A lead cannot be merged into itself."
ALREADY_MERGED = "{source} is already merged into {target}."
INTO_MERGED = "{target} is itself merged into {final}: merge {source} into {final} instead."
MERGED_NO_ASSIGN = "{source} is merged into {target}, and stays closed: assign {target} instead."
ALREADY_STATUS = "{ref} is already {status}; nothing changed."
ALREADY_ASSIGNED = "{ref} is already assigned to {assignee}; nothing changed."
MERGED_STAYS = "{source} is merged into {target}, and stays closed: change the status of {target} instead."
CANNOT_MESSAGE = (
    "I can't message {assignee} about it: no chat account goes with that name. Assign a user id (`slack:U0123`) or a "
    "mention, or add the name to `lead_flow.staff` in the settings."
)
AWAY_USAGE = "Usage: `leads away on|off`"
MINE_USAGE = "Usage: `leads mine [--status S]`"
STALE_BUTTON = "That button no longer does anything."

# -- triage forms and buttons -----------------------------------------------------------------------------------
STATUS_FORM_TITLE = "Status of {ref}"
FIELD_STATUS = "New status"
NOTE_FORM_TITLE = "Note on {ref}"
FIELD_NOTE = "Note"
BUTTON_ASSIGN = "Assign to me"
BUTTON_STATUS = "Set status"
BUTTON_NOTE = "Add note"
BUTTON_MERGE = "Merge into {ref}"

# -- what staff see of a lead -----------------------------------------------------------------------------------
FORGOTTEN_VALUE = "(forgotten)"
NO_VALUE = "-"
NOBODY = "nobody yet"
SUMMARY_LINE = "{ref} [{status}] {name}, {organization}: {kind}"
SUMMARY_ASSIGNED = " (assigned to {assignee})"
SUMMARY_DUPLICATE = " (possible duplicate of {other})"
LABEL_NAME = "Name"
LABEL_EMAIL = "Email"
LABEL_ORGANIZATION = "Organization"
LABEL_HELP_KIND = "Help with"
LABEL_TIMELINE = "Timeline"
LABEL_BUDGET = "Budget"
LABEL_STATUS = "Status"
LABEL_ASSIGNEE = "Assignee"
LABEL_MERGED_INTO = "Merged into"
LABEL_DUPLICATE_OF = "Possible duplicate of"
MERGE_DETAIL = "from {ref}: {name}, {organization}; {kind}: {description} (timeline: {timeline}; budget: {budget})"
MERGED_INTO = "into {ref}"
CONSENTS = "Consent (to the wording of {version}): store and reply {store}; other offers {offers}."
CONSENT_YES = "yes"
CONSENT_NO = "no"
REMINDED = "still new"
REMINDED_STATUS = "still {status}"
REMINDED_ASSIGNEE = "assignee reminded: {status} past {target} h"
RETENTION_ENDED = "retention period ended"
FORGOTTEN_ON_REQUEST = "forgotten on request"
DETAIL_REMOVED = {
    "note": "note removed with personal data",
    "merged": "merged (details removed with personal data)",
}
DETAIL_REMOVED_OTHER = "{kind} (details removed with personal data)"
