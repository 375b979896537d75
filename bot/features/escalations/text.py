"""Every sentence of peers before staff, drafts and publishing, in one place to review and, later, translate."""

from __future__ import annotations

# helper on|off (__init__.py).
SUMMARY_HELPER = "take questions from other members first (on/off, with topics you know)"
SLASH_HELPER = "Take questions from other members before staff"
SLASH_HELPER_OPTION = "on [topics...], off, or nothing to see your state"
HELPER_ON = (
    "Thanks! When a member presses “Ask a human” on a question like ones you helped solve{topics}, I may send "
    "it to you by direct message (at most {limit} a day). `helper off` stops it."
)
HELPER_TOPICS = " or about {topics}"
HELPER_OFF = "Done: I won't send you other members' questions any more."
HELPER_WAS_OFF = "You are not taking questions from other members. `helper on [topics...]` starts."
HELPER_STATE_ON = "You take questions from other members{topics}, since {since}. `helper off` stops it."
HELPER_USAGE = "Usage: `helper on [topics...]`, `helper off`, or `helper` to see your state."
TOO_MANY_TOPICS = (
    "That would make {count} topics; a helper names at most {limit}, the things they know best. `helper off` and "
    "then `helper on TOPICS` starts the list again."
)
TOPIC_TOO_LONG = (
    "A topic is a word or a short phrase of at most {limit} characters; “{start}…” has {length}. Nothing was changed."
)
TOPIC_QUOTE = 'A quote is not closed: put a topic of several words in quotes, e.g. `helper on venues "online circles"`.'

# "Ask a human" (peers.py).
PEER_TITLE = "Can you help another member?"
PEER_DM = "{who} asked: {question}\n{why} If you can answer, please reply in the thread: {link}"
PEER_SOLVED = "You helped with questions like this before."
PEER_TOPICS = "You said you know about {topics}."
ASKED_PEERS = "I've asked {members} familiar with questions like this."
THEN_STAFF = " If nobody answers in {hours}, I'll pass it to the team."
STAFF_AWAY_THEN = " The team is away then; they are back {back}, and will reply to you after that."
ALREADY = "This question has already been passed on; someone will answer you there."
ALREADY_DM = (
    "This question has already been passed to the team; once they teach me the answer, I'll send it to you here."
)
FOR_STAFF_AFTER_PEERS = (
    "{who} asked: {question}\n"
    "No answer after {hours} from the {members} asked. Thread: {link}\n"
    "(question {id}; staff can teach me the answer with `kb confirm {id} RECIPE_ID`)"
)
NO_LINK = "(asked in a direct message)"
CONSOLE_LINK = "#{channel}, thread {thread}"
CONSOLE_CHANNEL = "#{channel}"

# kb escalations (__init__.py).
SUMMARY_ESCALATIONS = "questions passed to people, and how each ended"
ESCALATIONS_TITLE = "Escalations (newest first)"
ESCALATION_LINE = "Q{id} [{state}] {question} (peers asked: {peers}; {when})"
NO_ESCALATIONS = "No question has been passed to people yet."
ERASED_QUESTION = "(wording erased at the asker's request)"
STATE_NAMES = {
    "asked_peers": "asked peers",
    "escalated": "escalated to staff",
    "answered": "a person replied, not solved yet",
    "recipe": "answered by a recipe",
    "solved": "solved",
    "staff_unreachable": "no answer from peers; could not reach staff (no help channel set)",
}

# Save as recipe (jobs.py, drafts.py).
OFFER_TITLE = "Solved by a person: save it as a recipe?"
OFFER = "{question}\nSolved in its thread{by}: {link}\nA recipe would answer it next time. (question {id})"
OFFER_BY = " by {solver}"
SAVE_AS_RECIPE = "Save as recipe"
SAVE_TYPED = "kb save {id}"  # what the button does, typed (the console cannot press a button in a post)
SUMMARY_SAVE = "draft a recipe from a question a person solved (what “Save as recipe” does)"
SAVE_USAGE = "Usage: `kb save QUESTION_NUMBER` (the number is shown with escalated questions)"
FORM_TITLE = "Save as recipe"
FORM_ANSWER = "The answer"
FORM_ANSWER_HINT = "What solved it, as members should read it"
FORM_TITLE_FIELD = "Title"
FORM_TITLE_HINT = "Leave empty to use the question"
FORM_TITLE_NEEDED_HINT = "The question is only an email or phone number: give the recipe a title"
TITLE_NEEDED = "The question is only an email or phone number, which no recipe may show: give the draft a title."
SUBMIT = "Save draft"
SAVED_ALREADY = (
    "Question {number} is already answered by the recipe `{id}` ({title}): edit its file to change the answer "
    "(`kb show {id}` shows it)."
)
DRAFTED_ALREADY = (
    "Question {number} already has a draft, `{id}` ({title}): `kb publish {id}` makes it live (edit its file first "
    "to change it)."
)
ERASED_SAVE = "The wording of question {number} was erased at its asker's request: there is nothing to save."
DRAFT_SAVED = "Draft `{id}` saved for review. `kb drafts` lists drafts; `kb publish {id}` makes it live."

# kb drafts / kb publish (drafts.py).
SUMMARY_DRAFTS = "recipe drafts waiting for review"
SUMMARY_PUBLISH = "make a draft a live recipe, and tell the members who asked"
PUBLISH_USAGE = "Usage: `kb publish DRAFT_ID` (see `kb drafts`)"
DRAFTS_TITLE = "Recipe drafts"
DRAFT_LINE = "`{id}`  {title} ({examples})"
NO_DRAFTS = "No drafts. “Save as recipe” on a solved question writes one."
NO_DRAFT = "There is no draft {id!r}. `kb drafts` lists them."
NO_LIVE_DIR = "Publishing needs a folder for your own recipes: add one to `knowledge_dirs` (a path without `base_url`)."
PUBLISHED_ALREADY = "`{id}` is already published: no draft of that name is waiting. `kb drafts` lists drafts."
LIVE_EXISTS = "A recipe `{id}` already exists; rename the draft file first."
PUBLISHED = "Published `{id}`: {title}. I told {told} who asked about it."

# Members told (closing.py).
ANSWER_NOW = "You asked {question} on {date}; here is the answer now."

NO_QUESTION = "There is no question number {number}."
