"""Every sentence of the people and privacy feature, in one place."""

from __future__ import annotations

# -- linking accounts -----------------------------------------------------------------------------------------
SUMMARY_LINK = "link your accounts on other platforms (Slack, Discord) into one person"
SUMMARY_UNLINK = "unlink this account from your other ones"
SLASH_LINK = "Link this account with yours on another platform"
SLASH_LINK_OPTION = "the code `link` gave you on your other account"
SLASH_UNLINK = "Unlink this account from your other ones"
CODE = (
    "Your link code is `{code}`. Within {minutes} minutes, type `link {code}` from your other account (on Slack, "
    "Discord or the console); it works once. Your roles, study groups and requests then follow you on both."
)
LINKED = "Linked. These accounts are now one person to me: {identities}."
BAD_CODE = "That code is unknown, used or expired. Type `link` on your other account for a new one."
OWN_CODE = "That is this account's own code: type `link {code}` from your other account."
UNLINKED = "Unlinked: this account is on its own again."
NOT_LINKED = "This account is not linked to any other."

# -- staff: people --------------------------------------------------------------------------------------------
GROUP_PEOPLE = "People and their linked accounts (staff)"
SUMMARY_SHOW = "a person's linked accounts and requests (staff)"
SHOW_TITLE = "Person: {who}"
SHOW_ACCOUNTS = "Accounts"
SHOW_LEADS = "Requests"
SHOW_ALONE = "{who} is not linked to any other account."
SHOW_UNKNOWN = "I do not know {who}: they have not used the bot, and nothing I hold names them."
EXPORT_UNKNOWN = "I do not know {who}: nothing I hold names them, so there is nothing to export."
NONE = "none"
USER_USAGE = "Name one user: `{usage}` (a mention, an id, or `platform:id` such as `discord:1234`)."

# -- one's own data -------------------------------------------------------------------------------------------
SUMMARY_MYDATA = "get everything I hold about you as a file, privately; `mydata delete` erases it"
SLASH_MYDATA = "Everything I hold about you, as a file sent privately"
SLASH_MYDATA_OPTION = "`delete` to erase your data instead"
MYDATA_USAGE = "Type `mydata` for a copy of your data, or `mydata delete` to erase it."
EXPORTED = (
    "Here is everything I hold about you, across your linked accounts, as JSON (records: {n}). "
    "`mydata delete` erases it."
)
CONFIRM_ERASES = (
    "This erases everything I hold about you on every linked account: the questions you asked (their words, and "
    "any example I learned from them), feedback, check-in answers, study-group memberships, requests (kept only "
    "as anonymous statistics) and the links themselves. "
    "It cannot be undone."
)
CONFIRM_ASK = " Erase it?"
CONFIRM = CONFIRM_ERASES + CONFIRM_ASK
# The only facilitator of a study group erasing their data: it goes ahead (their right), but the group is nobody's.
ONE_GROUP = "the study group {names}"
GROUPS = "the study groups {names}"
CONFIRM_UNLED = (
    " You are the only facilitator of {groups}: erasing your data leaves {it} with nobody to run {it}. "
    "I will tell the staff, so they can give {it} a new facilitator."
)
CONFIRM_UNLED_NO_STAFF = (
    " You are the only facilitator of {groups}: erasing your data leaves {it} with nobody to run {it}, and no "
    "staff channel is set for me to tell. To keep {it} going, first make a member a facilitator with "
    "`checkin add USER --facilitator` in {its} channel."
)
UNLED_TITLE = "A study group has no facilitator"
UNLED = (
    "The study group {name} (channel {channel}) has no facilitator any more: its only facilitator erased their "
    "data. Its check-ins go on; give it a facilitator with `checkin add USER --facilitator` in its channel."
)
FORGOT_UNLED = (
    " That leaves {groups} with no facilitator: give {it} one with `checkin add USER --facilitator` in {its} channel."
)
CONFIRM_BUTTON = "Erase my data"
CANCEL_BUTTON = "Keep it"
CANCELLED = "Nothing was erased."
NOT_YOURS = "That button was for someone else; type `mydata delete` to erase your own data."
ERASED = "Done. Erased or anonymized: {what}."
ERASED_IN_EXPORTS = " Also removed them from {files} in {folder}."
ERASED_NOTHING = "I held nothing about you; nothing to erase."
ERASED_BY_STAFF = "Erased or anonymized for that person: {what}."
ERASED_NOTHING_BY_STAFF = "I held nothing about that person; nothing to erase."
REASON_SELF = "erased at the person's request (mydata delete)"
REASON_STAFF = "erased on request (privacy forget)"
SELF = "the person (mydata)"

# -- one's own settings: me ---------------------------------------------------------------------------------
SUMMARY_ME = "your settings: `me tz ZONE` for your time zone, `me away START END` for days off"
ME_USAGE = (
    "Usage: `me` shows your settings; `me tz Europe/Berlin` sets your time zone (`me tz off` unsets it); "
    "`me away 2026-12-20 2027-01-04` pauses reminders and check-in messages for those days; `me away off` ends that."
)
ME_TITLE = "Your settings"
ME_HINT = "Change them with `me tz ZONE`, `me away START END` or `me away off`."
ME_ZONE_LABEL = "Time zone"
ME_ZONE_OFF = "Your time zone is unset: times show in each group's zone again."
ME_ZONE_NONE = "You have no time zone set: times show in each group's zone."
ME_ZONE = "{zone} (it is now {now})"
ME_NO_ZONE = "not set: times show in each group's zone (Slack and Discord show them in your device's zone)"
ME_AWAY_LABEL = "Away"
ME_NOT_AWAY = "no days away planned"
ME_PERIOD = "{start:%a %d %b %Y} to {end:%a %d %b %Y}"
ME_ZONE_SET = "Your time zone is now {zone}; it is {now} there. Times on the console show in it too."
ME_BAD_DATE = "{text} is not a date; write dates like 2026-12-20."
ME_AWAY_BACKWARDS = "The last day away must not be before the first."
ME_AWAY_PAST = "Those days are already over."
ME_AWAY_TOO_LONG = "Days away can span at most {days} days; add another stretch for more."
ME_AWAY_SET = (
    "Away from {period}. On those days you get no reminders or check-in messages, in any of your groups, "
    "and summaries show you as away. `me away off` cancels it."
)
ME_BACK = "Welcome back: your planned days away are cancelled, and reminders reach you again."
ME_WAS_NOT_AWAY = "You had no days away planned."

# -- staff: privacy -------------------------------------------------------------------------------------------
GROUP_PRIVACY = "Export or erase a person's data on request (staff)"
SUMMARY_EXPORT = "everything held about a user or email address, as JSON (staff)"
SUMMARY_FORGET = "erase everything held about a user or email address (staff)"
EXPORT_USAGE = "privacy export USER|EMAIL"
FORGET_USAGE = "privacy forget USER|EMAIL"
STAFF_EXPORTED = "Everything held about that person, as JSON (records: {n})."
# Named by email, a person is not the account that sent a lead with that email (an assistant sends their boss's
# address): staff are told which account it was, once per account, and decide.
NOT_FOLLOWED_FORGET = (
    " {leads} {was} sent from the chat account {account}, which I left as it is: an email typed into a form does not "
    "say who typed it. If that account is theirs, run `privacy forget {account}` too."
)
NOT_FOLLOWED_EXPORT = (
    " {leads} {was} sent from the chat account {account}, whose data this file leaves out: an email typed into a form "
    "does not say who typed it. If that account is theirs, `privacy export {account}` gives the rest."
)

# Readable names of the tables in "what was removed" (tests/bot/features/people check every table holding personal
# data has one).
# Each is (one, several): "1 request", "2 requests".
TABLES = {
    "asked_questions": ("question asked", "questions asked"),
    "answer_votes": ("vote on an answer", "votes on answers"),
    "checkin_answers": ("check-in answer", "check-in answers"),
    "conversations": ("form in progress", "forms in progress"),
    "escalation_peers": ("time you were asked to help", "times you were asked to help"),
    "escalations": ("question passed to people", "questions passed to people"),
    "helpers": ("helper sign-up", "helper sign-ups"),
    "help_threads": ("help thread", "help threads"),
    "lead_consents": ("consent given with a request", "consents given with a request"),
    "lead_reminders": ("follow-up reminder about a request", "follow-up reminders about a request"),
    "lead_rotation": ("place in the staff rotation", "places in the staff rotation"),
    "meeting_catchups": ("catch-up message for a late joiner", "catch-up messages for a late joiner"),
    "meeting_reflections": ("meeting reflection", "meeting reflections"),
    "meeting_rsvps": ("meeting reply (Going or Can't make it)", "meeting replies (Going or Can't make it)"),
    "staff_away": ("staff away setting", "staff away settings"),
    "webhook_deliveries": ("webhook message about a request", "webhook messages about a request"),
    "form_drafts": ("form in progress", "forms in progress"),
    "group_members": ("study-group membership", "study-group memberships"),
    "lead_events": ("request history entry", "request history entries"),
    "member_away": ("stretch of days away", "stretches of days away"),
    "member_prefs": ("personal setting", "personal settings"),
    "leads": ("request", "requests"),
    "learned_examples": ("learned question phrasing", "learned question phrasings"),
    "link_codes": ("link code", "link codes"),
    "person_identities": ("linked account", "linked accounts"),
    "privacy_audit": ("audit entry naming you as staff", "audit entries naming you as staff"),
    "scheduled_messages": ("message waiting to be sent", "messages waiting to be sent"),
    "study_groups": ("study group you created", "study groups you created"),
}
