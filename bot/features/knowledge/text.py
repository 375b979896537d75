"""Every sentence the knowledge feature says to users, in one place to review and, later, translate."""

from __future__ import annotations

from knowledge.smalltalk import SmallTalk

# Answers (render.py).
NOT_SURE = "I'm not sure I know the answer to that."
DID_YOU_MEAN = "Did you mean one of these?"
NO_IDEA = "I don't have a recipe for that yet."
# The same, when the knowledge base is (or includes) an imported docs tree: it has pages, not recipes.
NO_IDEA_DOCS = "I couldn't find that in the docs."
NO_IDEA_DOCS_AND_RECIPES = "I couldn't find that in the docs or the recipes."
ALSO_ASKED = "You also asked: {titles}. Press a button below to see {them}."
EMPTY = "Ask me a question, e.g. `ask how long should a learning circle meeting be`."
NO_WORDS = "“{given}” has no words for me to look up. " + EMPTY
NOTHING_TO_CANCEL = "There is nothing to cancel: no form is open. To ask me something, type your question."
BARE_REPLY = (
    "“{given}” answers buttons, not a question: press one of the buttons above (on the console, type its number). "
    "To ask me something, type your question."
)
# A number typed where no buttons are showing: on the console, buttons last only as long as one `communitybot chat`.
NO_BUTTON = (
    "There is no button {given} to press: a number presses a button of the reply just above it, in the same chat. "
    "Type the command again to see its buttons."
)
SHOW_USAGE = "Usage: `kb show ID`, e.g. `kb show circles/group-size` (`kb search TERM` finds ids)."

# Button labels.
ASK_HUMAN = "Ask a human"
HELPFUL = "Helpful"
NOT_HELPFUL = "Not helpful"
MORE = "More results"
READ_MORE = "Read more"
WORK_WITH_US = "Work with us"
# Typed rather than pressed (a Slack or Discord DM, or the console once its buttons are gone): not a question.
LABELS = (HELPFUL, NOT_HELPFUL, MORE, READ_MORE)

# Small talk.
SMALL_TALK: dict[SmallTalk, str] = {
    "greeting": "Hi!",
    "thanks": "You're welcome!",
    "bye": "Bye for now!",
    "bot": "Yes, I'm a bot, not a person.",
    "abilities": "Glad you asked.",
    "human": "Of course: ask me your question first (it may already be answered).",
}
EXAMPLE_QUESTION = "how long should a meeting be?"
WHAT_I_DO = "I answer questions from this community's handbook and recipes: ask me something like “{example}”."
WHAT_I_DO_PLAIN = "I answer questions from this community's handbook and recipes: ask me in your own words."
WHAT_ELSE = (
    "I also run study groups' check-ins and meetings, and take requests for help from the team: `help` lists the "
    "commands."
)
HUMAN_HERE = "To reach a person, press “Ask a human” under any of my answers."
HUMAN_FORUM = "To reach a person, please ask one of the organisers directly."

# Feedback buttons (feedback.py).
MORE_TEXT = "Other recipes that might help:"
THANKS_HELPFUL = "Thanks! I'll remember that this answer fits questions like yours."
THANKS_NOTED = "Thanks! I've noted that this one helped; the team can make it the answer to questions like yours."
THANKS_UNHELPFUL = "Thanks for telling me; I've noted it so the team can improve this answer."
RUNNERS_UP = "Maybe one of these answers it:"
NO_HUMANS = "Nobody is set up to take questions here yet; please ask one of the organisers directly."
PASSED_ON = "I've passed your question to the team; someone will answer you there."
# Asked in a direct message: there is no thread for the team to answer in, only a DM of their own or `kb confirm`.
PASSED_ON_DM = (
    "I've passed your question to the team. Someone may message you; once they teach me the answer, I'll send it to "
    "you here."
)
FOR_A_HUMAN_TITLE = "A question for a human"
FOR_A_HUMAN = (
    "{who} asked: {question}\n{thread}(question {id}; staff can teach me the answer with `kb confirm {id} RECIPE_ID`)"
)
FOR_A_HUMAN_DM = "Asked in a direct message: message them, or teach me the answer and I'll send it to them.\n"
FOR_A_HUMAN_THREAD = "Thread: {link}\n"  # where it was asked (a channel's thread, watched or not; never a DM)
STALE_BUTTON = "That button no longer does anything."
ALREADY_VOTED = "You have already voted on this answer; thanks, your vote is counted."
CHANGED_TO_HELPFUL = (
    "Changed: your vote on this answer is now Helpful. I'll remember that it fits questions like yours."
)
CHANGED_TO_HELPFUL_NOTED = (
    "Changed: your vote on this answer is now Helpful; the team can make it the answer to questions like yours."
)
CHANGED_TO_UNHELPFUL = "Changed: your vote on this answer is now Not helpful."
UNLEARNED = "I've stopped treating questions worded like this one as answered by it."
QUESTION_GONE = "I no longer have that question."

# kb commands.
SEARCH_USAGE = "Usage: `kb search TERM`"
NO_MATCH = "No recipe matches {term}."
SEARCH_TITLE = "Matching recipes"
SEARCH_LINE = "{score:.2f}  `{id}`  {title}"
NO_RECIPE_TRY_SEARCH = "There is no recipe with id {id!r}. Try `kb search` to find one."
NO_RECIPE = "There is no recipe with id {id!r}."
RELOADED = "Reloaded: {recipes}."
RELOAD_SKIPPED = "Left out, {problems} (fix the file; it loads at the next reload):"
RELOAD_MORE = "…and {more} more: `communitybot kb check FOLDER` lists them all."
CONFIRM_USAGE = "Usage: `kb confirm QUESTION_NUMBER RECIPE_ID` (the number is shown with escalated questions)"
NO_QUESTION = "There is no question number {number}."
ERASED_QUESTION = "The wording of question {number} was erased at its asker's request: there is nothing to learn."
LEARNED = "Learned: {question} is answered by `{id}`."
UNLEARNED_FOR = " It is no longer taken as answered by {ids}."
TAUGHT_ALREADY = "Already taught: {question} is answered by `{id}`. Nothing changed."
TOLD = " I told {told} who asked about it."

# Stats and gaps (gaps.py).
STATS_TITLE = "Most asked recipes"
STATS_LINE = "{asked:>4} asked  {helpful} helpful / {not_helpful} not  `{id}`"
STATS_UNANSWERED = "Declined or not helpful: {count} (see `kb gaps`)"
NO_GAPS = "No gaps: every question so far was answered and nobody said it didn't help."
GAPS_TITLE = "Questions without a good answer"
GAP_LINE = "{count:>3} × {question}"
GAP_ALSO = "  (also: {others})"
GAPS_ERASED = "{questions} without a good answer: wording erased at the asker's request (counted, not shown)."

# Recipe stubs written by `bot kb gaps` (gaps.py): staff fill them in.
STUB_TITLE = "TODO: a title people would search for"
STUB_SUMMARY = "TODO"
STUB_BODY = "TODO: write the answer."
