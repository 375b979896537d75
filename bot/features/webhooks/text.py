"""What the webhooks feature says to staff."""

from __future__ import annotations

GROUP = "Outgoing webhooks to a CRM: what was sent, and sending one again (staff)"
SUMMARY_LIST = "the latest webhook deliveries and how each went"
SUMMARY_RETRY = "send a failed or waiting webhook delivery again now"
LIST_TITLE = "Webhook deliveries ({n} shown)"
NONE_CONFIGURED = "No webhooks are configured (see README, Webhooks)."
NO_DELIVERIES = "No webhook deliveries yet."
LINE = "`#{id}` {event} → {host}: *{status}*, {attempts}{detail}"
NEXT = ", next try {due}"
LAST = ", last answer: {error}"
SENT_AT = ", delivered {at}"
LIST_USAGE = "Usage: `webhooks list [--status pending|sent|failed]`"
RETRY_USAGE = "Usage: `webhooks retry ID` (the number after # in `webhooks list`)"
NO_DELIVERY = "There is no webhook delivery #{id}."
ALREADY_SENT = "Delivery #{id} was already delivered (answered 2xx); it is never sent twice."
RETRYING = "Delivery #{id} ({event}) will be sent again within a minute, and retried for 24 hours."
