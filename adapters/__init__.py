"""Adapters translate between a chat platform and the core; the core never imports them."""

__all__: list[str] = []
