"""Prometheus metrics for one bot process, in a registry of its own (no module-level globals)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

__all__ = ["CONTENT_TYPE", "Metrics"]

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class Metrics:
    """What the bot counts: events, errors, handler latency, answers, check-ins, leads, and adapter health."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.events = Counter("communitybot_events", "Events handled", ["platform", "kind"], registry=self.registry)
        self.errors = Counter(
            "communitybot_errors", "Events whose handler failed", ["platform", "kind"], registry=self.registry
        )
        self.latency = Histogram(
            "communitybot_handler_seconds",
            "Time to handle one event",
            ["kind"],
            registry=self.registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
        )
        self.answers = Counter(
            "communitybot_answers", "Questions answered or declined", ["result"], registry=self.registry
        )
        self.checkins_posted = Counter(
            "communitybot_checkins_posted", "Check-in prompts posted", registry=self.registry
        )
        self.leads_received = Counter(
            "communitybot_leads_received", "Consulting requests received", registry=self.registry
        )
        self.adapter_up = Gauge(
            "communitybot_adapter_up",
            "1 while the adapter is connected, 0 while it is down",
            ["adapter"],
            registry=self.registry,
        )
        self.adapter_restarts = Counter(
            "communitybot_adapter_restarts", "Adapter restarts after a failure", ["adapter"], registry=self.registry
        )

    def render(self) -> bytes:
        """The Prometheus text exposition of every metric."""
        return generate_latest(self.registry)
