"""One module per ``communitybot`` subcommand: each has ``add_parser(sub)`` and ``main(settings, args) -> int``.

A module imports what its command needs inside ``main``, so the command line starts fast and ``ask`` never loads
the database layer.
"""

from __future__ import annotations

import argparse
from typing import TypeAlias

__all__ = ["Subparsers"]

Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
"""What ``ArgumentParser.add_subparsers`` returns: each command module adds its parser to it."""
