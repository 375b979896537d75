"""``communitybot discord invite-url``: print the link that adds the bot to a server."""

from __future__ import annotations

import argparse

from bot.errors import ConfigError
from bot.main.commands import Subparsers
from bot.settings import Settings

__all__ = ["add_parser", "main"]


def add_parser(sub: Subparsers) -> None:
    """Add ``discord`` and its actions."""
    discord_cmd = sub.add_parser("discord", help="Discord tools")
    discord_sub = discord_cmd.add_subparsers(dest="discord_command", required=True, metavar="ACTION")
    invite = discord_sub.add_parser("invite-url", help="print the link that adds the bot to a server")
    invite.add_argument("--application-id", type=int, help="default: discord_application_id")


def main(settings: Settings, args: argparse.Namespace) -> int:
    """Print the invite link (the only action so far)."""
    try:
        from adapters.discord.app import invite_url
    except ImportError:
        raise ConfigError("the Discord adapter is not installed: pip install 'communitybot[discord]'") from None
    application_id = args.application_id or settings.discord_application_id
    if application_id is None:
        raise ConfigError(
            "set COMMUNITYBOT_DISCORD_APPLICATION_ID (the Application ID on the Developer Portal's General "
            "Information page) or pass --application-id"
        )
    print(invite_url(application_id))
    return 0
