"""Small talk: greetings, thanks, "are you a bot?", "what can you do?" get a friendly reply, not a handbook page.

Only short messages count (a long question that starts with "hi" is a question), compared after normalising case,
punctuation and stretched letters ("hiii", "thx!!") with a few phrasings of each kind, typos allowed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Literal

from rapidfuzz import fuzz, process, utils

__all__ = ["SmallTalk", "bare_reply", "small_talk"]

_MAX_WORDS = 7
# What people type to answer a yes/no prompt with buttons: never a question for the knowledge base.
_BARE_REPLIES = frozenset({"yes", "no", "y", "n", "ok", "okay", "cancel"})
_MATCH = 88.0

SmallTalk = Literal["greeting", "thanks", "bye", "bot", "abilities", "human"]


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Short messages made only of these words, with at least one anchor, are small talk of that kind.
_ANCHORS: dict[SmallTalk, frozenset[str]] = {
    "greeting": _words("hi hello hey hiya howdy yo morning afternoon evening greetings sup"),
    "thanks": _words("thanks thank thx ty cheers thanx tks"),
    "bye": _words("bye goodbye cya later ciao"),
}
_FILLER = _words(
    """good there all everyone everybody folks team friends you u so much very many a lot ok okay great awesome
    perfect cool nice that helped again and happy monday tuesday wednesday thursday friday weekend see ya lol
    bot guys y'all"""
)
_DROP = _words("wait um hmm so actually actual real really just please pls quick question")

_PHRASES: dict[SmallTalk, tuple[str, ...]] = {
    "greeting": (
        "hi",
        "hello",
        "hey",
        "hey there",
        "hi there",
        "hello there",
        "hiya",
        "howdy",
        "yo",
        "good morning",
        "good afternoon",
        "good evening",
        "hi bot",
        "hello bot",
        "how are you",
        "how are you doing",
        "whats up",
    ),
    "thanks": (
        "thanks",
        "thank you",
        "thx",
        "ty",
        "thanks a lot",
        "thank you so much",
        "thanks so much",
        "many thanks",
        "cheers",
        "ok thanks",
        "great thanks",
        "awesome thanks",
        "perfect thanks",
        "that helped",
        "thanks that helped",
    ),
    "bye": ("bye", "see ya", "see you", "see you later", "goodbye", "take care", "bye for now"),
    "bot": (
        "are you a bot",
        "are you human",
        "are you a human",
        "are you a real person",
        "is this a bot",
        "am i talking to a bot",
        "am i talking to a person",
        "who are you",
        "what are you",
        "are you real",
        "are you an ai",
        "are you a person",
    ),
    "human": (
        "i want to talk to a person",
        "i want to speak to a person",
        "i want to talk to a human",
        "i want to speak to a human",
        "can i talk to a person",
        "can i speak to a person",
        "can i talk to someone",
        "can i speak to someone",
        "talk to a human",
        "speak to a human",
        "talk to a person",
        "i need a human",
        "i need to talk to someone",
        "let me talk to a person",
        "can i talk to staff",
        "contact staff",
        "can i talk to human",  # "a real person", "an actual human" read as "human"
        "i want to talk to human",
        "i want to speak to human",
    ),
    "abilities": (
        "what can you do",
        "what do you do",
        "what can i ask you",
        "what can i ask",
        "how does this work",
        "how do i use you",
        "what are you for",
        "what can you help with",
        "what do you know",
        "help",
    ),
}
_CHOICES: list[tuple[SmallTalk, str]] = [(kind, phrase) for kind, phrases in _PHRASES.items() for phrase in phrases]


def _normal(text: str) -> str:
    text = re.sub(r"(\w)\1{2,}", r"\1", text.lower())  # "hiii" -> "hi", "thx!!!" -> "thx"
    text = re.sub(r"\b(an? )?(actual|real) (person|human)\b", "human", text)
    return utils.default_process(text.replace("'", ""))


def small_talk(text: str) -> SmallTalk | None:
    """The kind of small talk ``text`` is, or None for anything else (a question for the knowledge base)."""
    normal = _normal(text)
    words = normal.split()
    if not words or len(words) > _MAX_WORDS:
        return None
    for kind, anchors in _ANCHORS.items():
        if set(words) & anchors and set(words) <= anchors | _FILLER:
            return kind
    normal = " ".join("you" if w == "u" else w for w in words if w not in _DROP)
    match = process.extractOne(normal, [p for _, p in _CHOICES], scorer=fuzz.ratio, score_cutoff=_MATCH)
    return _CHOICES[match[2]][0] if match is not None else None


def bare_reply(text: str, labels: Iterable[str] = ()) -> bool:
    """Whether ``text`` is a bare yes, no, ok or cancel, or one of the button ``labels`` (case and punctuation
    aside): a reply to buttons."""
    said = utils.default_process(text)
    return said in _BARE_REPLIES or any(said == utils.default_process(label) for label in labels)
