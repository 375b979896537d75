"""Which check-in answers report a blocker: the rule the summary, the private help, the catch-up and the pulse
cards share.

The *blocker question* of a set is the last one that reads like it asks about blockers (it names a block, problem,
issue, obstacle, difficulty, being stuck, needing help and the like); a set with none has no blocker question and
nothing is flagged. An answer to it reports a blocker unless every clause of it says "no": ``no``, ``nope``,
``none so far!``, ``no blockers, all good``, ``not really``, ``I'm blocked on nothing`` (case, punctuation and
emoji aside). An answer that only begins with a "no" word says something: ``nothing works on my laptop`` and
``no wifi at the library`` are blockers.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

__all__ = ["blocker_question", "blockers_in", "reports_blocker"]

_ASKS_ABOUT_BLOCKERS = re.compile(
    r"\b(block|problem|stuck|issue|obstacle|hurdle|imped|struggl|difficult|trouble|challeng|help|barrier|concern)",
    re.IGNORECASE,
)
# Words that change nothing about "no": dropped before a clause is read.
_FILLER = re.compile(
    r"\b(so far|as of now|at the moment|atm|right now|for now|currently|yet|today|this week|really|at all|honestly|"
    r"actually|i think|for me|thanks|thank you|thx|ty|luckily|happily|fortunately|though|oh|um|hmm|so)\b"
)
_TROUBLE = (
    r"(blockers?|blocks?|blocking|problems?|issues?|obstacles?|impediments?|hurdles?|worries|concerns?|"
    r"difficult(y|ies)|troubles?|complaints?|questions?)"
)
_WE = r"((i|we|im|i am|were|we are|it|its|it is|things|everything|everythings|everything is|all|alls|all is) )?"
_SAYS_NO = re.compile(
    "|".join(
        (
            r"(no|nope|nah|none|nothing|nil|zero|0|na|neither|negative|not|no no|nein|non|nada)",
            rf"(no|zero|not any|none|no real|no major|no big|no new|no serious) ({_TROUBLE}( (or|and|nor) )?)+",
            r"nothing( is| s|s)? (blocking|stopping|major|new|serious|big|much|to report|in the way|holding \w+ back)"
            r"( me| us)?",
            rf"{_WE}(not|never) (blocked|stuck)",
            rf"{_WE}(blocked|stuck) (on|by) nothing",
            r"(not|none|nothing) that i (know of|can think of|am aware of|m aware of)",
            rf"{_WE}(good|fine|ok|okay|great|clear|going (good|fine|well|great)|on track|sorted|smooth)",
            r"(no|nope|nah|not) (good|fine|im (good|fine)|all good)",
        )
    )
)


def blocker_question(questions: Sequence[str]) -> int | None:
    """The index of the question of ``questions`` that asks about blockers: the last that reads like it, if any."""
    asking = [i for i, question in enumerate(questions) if _ASKS_ABOUT_BLOCKERS.search(question)]
    return asking[-1] if asking else None


def blockers_in(questions: Sequence[str], answers: Sequence[str]) -> list[str]:
    """The answer to the blocker question of ``questions`` in ``answers``, in a list, if it reports a blocker."""
    asked = blocker_question(questions)
    if asked is None or asked >= len(answers) or not reports_blocker(answers[asked]):
        return []
    return [answers[asked]]


def reports_blocker(answer: str) -> bool:
    """Whether ``answer`` (to the blocker question) reports a blocker: some clause of it is more than a "no"."""
    clauses = re.split(r"\||\b(?:and|but)\b", _plain(answer))
    said = [" ".join(_FILLER.sub(" ", clause).split()) for clause in clauses]
    return any(clause and not _SAYS_NO.fullmatch(clause) for clause in said)


def _plain(answer: str) -> str:
    """``answer`` lowercased, apostrophes dropped, punctuation turned into clause breaks ``|``, emoji into spaces."""
    lowered = re.sub(r"\bn\s*/\s*a\b", "na", answer.lower().replace("’", "'").replace("‘", "'"))
    out = []
    for char in lowered:
        kind = unicodedata.category(char)
        if char == "'":
            continue
        if char.isalnum() or char.isspace():
            out.append(char)
        elif kind.startswith("P"):
            out.append("|")
        else:
            out.append(" ")
    return "".join(out)
