"""``communitybot slack manifest``: print the Slack app manifest for this bot's commands."""

from __future__ import annotations

import argparse

from bot.errors import ConfigError
from bot.main.commands import Subparsers
from bot.main.commands.argtypes import public_url
from bot.settings import Settings

__all__ = ["add_parser", "main"]


def add_parser(sub: Subparsers) -> None:
    """Add ``slack`` and its actions."""
    slack_cmd = sub.add_parser("slack", help="Slack tools")
    slack_sub = slack_cmd.add_subparsers(dest="slack_command", required=True, metavar="ACTION")
    manifest = slack_sub.add_parser(
        "manifest", help="print the app manifest (paste it at api.slack.com/apps -> Create New App)"
    )
    manifest.add_argument(
        "--url",
        type=public_url,
        default=None,
        help="the bot's public https address for HTTP mode (default: https://bot.example.org, to replace)",
    )
    manifest.add_argument("--name", default="communitybot", help="the app's name in Slack (default: communitybot)")


def main(settings: Settings, args: argparse.Namespace) -> int:
    """Print the manifest, with one slash command per Slack command of the registry."""
    try:
        from adapters.slack.manifest import render_manifest
    except ImportError:
        raise ConfigError("the Slack adapter is not installed: pip install 'communitybot[slack]'") from None
    from bot.main.wiring import BotApp

    registry = BotApp(settings).registry
    print(render_manifest(registry.slash_commands(), args.url, args.name), end="")
    return 0
