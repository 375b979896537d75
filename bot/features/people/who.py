"""Whom a staff command names: a user (a mention, an id, ``platform:id``) or an email address."""

from __future__ import annotations

from bot.args import user_id
from bot.errors import UsageError
from bot.feature import Context
from bot.features.people import text as say
from bot.forms import email_address
from storage.records import Identity

__all__ = ["PLATFORMS", "person_of_arg", "subject_of_arg"]

PLATFORMS = ("console", "discord", "slack")


def person_of_arg(ctx: Context, args: str, usage: str) -> Identity:
    """The identity ``args`` names: ``platform:id``, or a mention or bare id on the event's own platform.

    Raises:
        UsageError: when ``args`` is not one word.
    """
    words = args.split()
    if len(words) != 1:
        raise UsageError(say.USER_USAGE.format(usage=usage))
    given = words[0]
    platform, sep, user = given.partition(":")
    if sep and platform.lower() in PLATFORMS and user:
        return Identity(platform.lower(), user)
    bare = user_id(given)  # a Slack mention <@U123>, a Discord mention <@!123>, @name or an id
    if bare is None:
        raise UsageError(say.USER_USAGE.format(usage=usage))
    return Identity(ctx.origin.platform, bare)


def subject_of_arg(ctx: Context, args: str, usage: str) -> tuple[str, list[Identity], list[str]]:
    """Whom ``privacy export|forget`` is about: ``("email", [], [email])`` or ``("user", [identity], [])``."""
    words = args.split()
    email = email_address(words[0]) if len(words) == 1 else None
    if email is not None:
        return "email", [], [email]
    return "user", [person_of_arg(ctx, args, usage)], []
