"""The HTTP POST of a webhook, with the standard library (no HTTP client is a core dependency)."""

from __future__ import annotations

import asyncio
import urllib.error
import urllib.request
from collections.abc import Awaitable, Callable, Mapping
from email.message import Message
from typing import IO

__all__ = ["Post", "post"]

Post = Callable[[str, bytes, Mapping[str, str]], Awaitable[int]]
"""POST ``body`` with ``headers`` to a URL and return the HTTP status; raise ``OSError`` when nothing answered."""

TIMEOUT = 10.0
"""Seconds to wait for an endpoint's answer."""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Redirects are not followed: a signed body goes only where it was configured to go."""

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: Message,
        newurl: str,
    ) -> urllib.request.Request | None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def _post(url: str, body: bytes, headers: Mapping[str, str]) -> int:
    request = urllib.request.Request(url, data=body, headers=dict(headers), method="POST")
    try:
        with _OPENER.open(request, timeout=TIMEOUT) as response:
            response.read(65536)  # drained so the connection closes cleanly; the answer's content is not used
            return int(response.status)
    except urllib.error.HTTPError as exc:
        exc.close()
        return int(exc.code)


async def post(url: str, body: bytes, headers: Mapping[str, str]) -> int:
    """POST in a worker thread (``urllib`` blocks); the status, or ``OSError`` (``URLError``, timeouts)."""
    return await asyncio.to_thread(_post, url, body, headers)
