"""communitybot core: platform-neutral events, dispatcher, features and settings; bot.main is the CLI and wiring."""

__all__: list[str] = []
