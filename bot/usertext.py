"""User text, made safe to store and to show.

Two rules, applied at two places:

- :func:`clean` runs once at the dispatcher boundary on everything a user typed: NUL bytes (which PostgreSQL refuses
  in text) are dropped and lone surrogates (which no database or platform can encode) become U+FFFD. Nothing else
  changes, so what is stored is what was typed, except the two private-use characters that delimit a time token
  (:mod:`bot.when`), dropped so that user text cannot pose as a time the bot shows.
- :func:`quote` runs wherever the core embeds user text in a reply: a Markdown masked link ``[text](url)``, an
  autolink ``<https://...>`` and a mention (``<@U1>``, ``<!channel>``, ``<@&1>``, ``@everyone``, ``@here``) are broken
  with a zero-width space, so they show as typed but never become a clickable disguised link or a ping, whatever the
  platform's renderer does; time-token delimiters are dropped. Adapters still escape for their own markup; this
  is the core's own guarantee.

:func:`for_others` is :func:`quote` for a member's words shown to other people (a help channel, a staff list, a
peer's DM): the emails and phone numbers members paste into questions are masked as reports mask them
(:func:`bot.logs.mask_contacts`).
"""

from __future__ import annotations

import re

from bot.logs import mask_contacts
from bot.when import PERSON, TOKEN, person, strip_marks

__all__ = ["ZWSP", "clean", "for_others", "member", "quote", "quote_message"]

ZWSP = "\u200b"
_SURROGATE = re.compile("[\ud800-\udfff]")
_MASKED_LINK = re.compile(r"\](\s*)\(")
_ANGLE = re.compile(r"<(?=[@!#&]|[A-Za-z][A-Za-z0-9+.-]*:)")
_MASS_MENTION = re.compile(r"@(?=(?:everyone|here|channel)\b)", re.IGNORECASE)
_CORE_TOKEN = re.compile(f"{TOKEN.pattern}|{PERSON.pattern}")


def clean(text: str) -> str:
    """``text`` without NUL bytes and with lone surrogates replaced by U+FFFD."""
    if "\x00" in text:
        text = text.replace("\x00", "")
    return strip_marks(_SURROGATE.sub("\ufffd", text))


def quote(text: str) -> str:
    """User text as it may appear inside a reply: links and mentions shown, never live."""
    text = strip_marks(text)
    text = _MASKED_LINK.sub(lambda m: f"]{ZWSP}{m.group(1)}(", text)
    text = _ANGLE.sub(f"<{ZWSP}", text)
    return _MASS_MENTION.sub(f"@{ZWSP}", text)


def for_others(text: str) -> str:
    """A member's words as others may read them: :func:`quote`, with emails and phone numbers masked (``[email]``,
    ``[phone]``)."""
    return quote(mask_contacts(text))


def member(platform: str, user: str, name: str | None = None) -> str:
    """A member as a reply names them: a person token (:func:`bot.when.person`; Slack and Discord show their name)
    for a platform id, else their ``name`` or ``user`` quoted (a console name, an erased asker)."""
    token = person(platform, user)
    return token if token != user else quote(name or user)


def quote_message(text: str) -> str:
    """A message the core wrote that may embed user text (an error, say): :func:`quote`, keeping the core's own
    time and person tokens (user text lost its token marks in :func:`clean` on the way in, so these are the core's)."""
    pieces, last = [], 0
    for match in _CORE_TOKEN.finditer(text):
        pieces += [quote(text[last : match.start()]), match.group(0)]
        last = match.end()
    return "".join([*pieces, quote(text[last:])])
