"""Operators' dashboards: the Grafana JSON queries only metrics the bot exports; compose provisions it all."""

from __future__ import annotations

import json
import re

import yaml

from bot.metrics import Metrics
from tests.conftest import ROOT

DEPLOY = ROOT / "deploy"
# PromQL words that are not metric names: functions, aggregations, modifiers, and label names used in grouping.
PROMQL = frozenset(
    {"sum", "rate", "increase", "histogram_quantile", "by", "without", "avg", "max", "min", "count", "irate"}
)
SUFFIXES = {"counter": ("_total", "_created"), "histogram": ("_bucket", "_count", "_sum", "_created"), "gauge": ("",)}


def exported_names() -> set[str]:
    """Every sample name the bot's own registry exposes on /metrics (read from the registry, not a list)."""
    names = set()
    for family in Metrics().registry.collect():
        names |= {family.name + suffix for suffix in SUFFIXES.get(family.type, ("",))}
    return names


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression reads: identifiers that are not functions, keywords or labels."""
    bare = re.sub(r"\{[^}]*\}", "", expr)  # label matchers
    bare = re.sub(r"\[[^\]]*\]", "", bare)  # range selectors
    bare = re.sub(r"\b(by|without)\s*\([^)]*\)", "", bare)  # grouping labels
    words = set(re.findall(r"[A-Za-z_:][A-Za-z0-9_:]*", bare))
    return words - PROMQL


def queries() -> list[tuple[str, str]]:
    dashboard = json.loads((DEPLOY / "grafana" / "communitybot.json").read_text())
    return [(panel["title"], target["expr"]) for panel in dashboard["panels"] for target in panel["targets"]]


def test_every_dashboard_query_reads_a_metric_the_bot_exports() -> None:
    """Each panel's PromQL names at least one metric, and every metric it names is in the bot's registry."""
    exported = exported_names()
    assert "communitybot_handler_seconds_bucket" in exported and "communitybot_events_total" in exported
    found = [(title, metric_names(expr)) for title, expr in queries()]
    assert len(found) >= 12
    for title, names in found:
        assert names, title
        assert names <= exported, (title, names - exported)
    used = set().union(*(names for _, names in found))
    families = {
        "events",
        "errors",
        "handler_seconds",
        "answers",
        "checkins_posted",
        "leads_received",
        "adapter_up",
        "adapter_restarts",
    }
    suffixes = re.compile(r"_(total|bucket|sum|count)$")
    assert {suffixes.sub("", n.removeprefix("communitybot_")) for n in used} == families


def test_the_metric_name_check_can_fail() -> None:
    """A query of a metric the bot does not export is caught (the check above is not vacuous)."""
    assert metric_names('sum by (kind) (rate(communitybot_messages_total{kind="x"}[5m]))') == {
        "communitybot_messages_total"
    }
    assert not metric_names("rate(communitybot_messages_total[5m])") <= exported_names()


def test_dashboard_panels_have_titles_units_and_the_provisioned_datasource() -> None:
    """Every panel is titled, has a unit, and uses the datasource uid that provisioning creates."""
    dashboard = json.loads((DEPLOY / "grafana" / "communitybot.json").read_text())
    provisioned = yaml.safe_load((DEPLOY / "grafana" / "provisioning" / "datasources" / "prometheus.yml").read_text())
    uid = provisioned["datasources"][0]["uid"]
    assert dashboard["uid"] == "communitybot"
    for panel in dashboard["panels"]:
        assert panel["title"] and panel["fieldConfig"]["defaults"]["unit"]
        assert panel["datasource"] == {"type": "prometheus", "uid": uid}


def test_compose_monitoring_profile_provisions_prometheus_and_grafana() -> None:
    """`--profile monitoring` adds Prometheus (scraping the bot) and Grafana (with the dashboard), on loopback."""
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    prometheus, grafana = compose["services"]["prometheus"], compose["services"]["grafana"]
    assert prometheus["profiles"] == ["monitoring"] and grafana["profiles"] == ["monitoring"]
    assert "profiles" not in compose["services"]["bot"]
    mounts = {m.split(":")[0]: m.split(":")[1] for m in prometheus["volumes"] + grafana["volumes"]}
    for source in mounts:
        if source.startswith("./"):
            assert (ROOT / source).exists(), source
    assert mounts["./deploy/grafana/communitybot.json"].startswith(
        yaml.safe_load((DEPLOY / "grafana" / "provisioning" / "dashboards" / "communitybot.yml").read_text())[
            "providers"
        ][0]["options"]["path"]
    )
    scrape = yaml.safe_load((DEPLOY / "prometheus.yml").read_text())["scrape_configs"][0]
    port = compose["services"]["bot"]["environment"]["COMMUNITYBOT_HEALTH_PORT"]
    assert scrape["metrics_path"] == "/metrics" and scrape["static_configs"][0]["targets"] == [f"bot:{port}"]
    assert all(str(p).startswith("127.0.0.1:") for p in prometheus["ports"] + grafana["ports"])
