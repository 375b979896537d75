"""``communitybot config show``: print the effective settings, secrets masked."""

from __future__ import annotations

import argparse

import yaml

from bot.main.commands import Subparsers
from bot.settings import Settings

__all__ = ["add_parser", "main"]


def add_parser(sub: Subparsers) -> None:
    """Add ``config`` and its actions."""
    config = sub.add_parser("config", help="settings")
    config_sub = config.add_subparsers(dest="config_command", required=True, metavar="ACTION")
    config_sub.add_parser("show", help="print the effective settings, secrets masked")


def main(settings: Settings, args: argparse.Namespace) -> int:
    """Print the settings as YAML (the only action so far)."""
    print(yaml.safe_dump(settings.public_view(), sort_keys=False), end="")
    return 0
