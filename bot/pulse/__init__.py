"""Community pulse: the weekly report (``communitybot report``), its charts, and the digest posted to staff."""

from __future__ import annotations

__all__: list[str] = []
