"""Features: each builds a :class:`bot.dispatcher.Feature` from its dependencies."""

__all__: list[str] = []
