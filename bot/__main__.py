"""``python -m bot`` runs the communitybot command line."""

from bot.cli import main

raise SystemExit(main())
