"""``python -m bot`` runs the communitybot command line."""

from bot.main.cli import main

raise SystemExit(main())
