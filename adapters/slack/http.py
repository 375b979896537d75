"""Slack's HTTP mode: ``POST /slack/events`` checked before anything reads the body, then handed to bolt.

The signature is verified on the raw bytes first (https://api.slack.com/authentication/verifying-requests-from-slack):
a missing or non-integer timestamp, one more than five minutes away, or a wrong signature gets 401 and the body is
never parsed nor logged (only its length and the reason). A signed body that does not parse gets 400. A replayed
request (the same ``trigger_id`` or ``event_id``) is dropped by the core's dedupe, which replicas share.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from collections.abc import Callable

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.request.internals import parse_body

__all__ = ["MAX_BODY_BYTES", "SignedEndpoint"]

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024**2  # far above any Slack payload; aiohttp answers 413 past it
_MAX_AGE = 300  # seconds: Slack's advice for refusing replays


class SignedEndpoint:
    """The aiohttp handler for ``/slack/events``.

    Args:
        app: the bolt app, built with request verification off (this class does it, before parsing).
        signing_secret: the app's signing secret.
        clock: seconds since the epoch (tests move it).
    """

    def __init__(
        self,
        app: AsyncApp,
        signing_secret: str,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._app = app
        self._secret = signing_secret.encode()
        self._clock = clock

    def refusal(self, timestamp: str | None, signature: str | None, body: bytes) -> str | None:
        """Why a request must be refused (None when it is Slack's, signed and fresh)."""
        if not timestamp or not signature:
            return "missing signature headers"
        if not timestamp.isascii() or not timestamp.isdigit():
            return "timestamp is not an integer"
        if abs(self._clock() - int(timestamp)) > _MAX_AGE:
            return "stale timestamp"
        base = b"v0:" + timestamp.encode() + b":" + body
        expected = "v0=" + hmac.new(self._secret, base, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace")):
            return "bad signature"
        return None

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Check and dispatch one request."""
        body = await request.read()
        headers = request.headers
        reason = self.refusal(headers.get("X-Slack-Request-Timestamp"), headers.get("X-Slack-Signature"), body)
        if reason is not None:
            log.info("refused a Slack request of %d bytes: %s", len(body), reason)
            return web.Response(status=401, text="invalid request")
        try:
            text = body.decode("utf-8")
            parsed = parse_body(text, (headers.get("Content-Type") or "").split(";")[0].strip() or None)
        except ValueError:  # UnicodeDecodeError and json.JSONDecodeError are ValueErrors
            parsed = None
        if not isinstance(parsed, dict):
            log.info("refused a signed Slack request of %d bytes: body does not parse to an object", len(body))
            return web.Response(status=400, text="malformed body")
        bolt_request = AsyncBoltRequest(body=text, query=request.query_string, headers=dict(headers.items()))
        response = await self._app.async_dispatch(bolt_request)
        return await to_aiohttp_response(response)
