"""communitybot core: platform-neutral events, dispatcher, features, settings and CLI."""

__all__: list[str] = []
