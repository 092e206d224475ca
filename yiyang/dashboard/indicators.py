"""The figures of other apps (alarms, services), read through their
`yiyang/<app>/indicators.py` module (the dashboard contract, docs/dashboard.md):

    dashboard_figures(region_code, start, end) -> dict | None
    figures_by_child(region_code, start, end) -> {child code: dict} | None

An app that is not installed, has no indicators module yet, or answers None is shown
as "no data yet" (None here), never as zeros.
"""

from __future__ import annotations

import datetime as dt
import logging
from importlib import import_module

log = logging.getLogger(__name__)

DOMAINS = ("services", "alarms")

ALARM_KEYS = ("alarms_today_by_type", "alarms_period_by_type", "type_labels", "alarms_period",
              "open_alarms", "ack_median_s", "ack_p90_s", "ack_within_60s_share",
              "devices_total", "devices_online", "devices_offline")
SERVICE_KEYS = ("orders", "orders_previous", "hours", "hours_previous", "entitled_hours",
                "visits_flagged", "visits_rejected", "satisfaction", "ratings")
REQUIRED_KEYS = {"alarms": ALARM_KEYS, "services": SERVICE_KEYS}


def module_of(domain: str):
    name = f"yiyang.{domain}.indicators"
    try:
        return import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name not in (name, f"yiyang.{domain}"):
            raise
        return None


def figures(domain: str, region_code: str, start: dt.date, end: dt.date) -> dict | None:
    module = module_of(domain)
    function = getattr(module, "dashboard_figures", None)
    if function is None:
        return None
    answer = function(region_code, start, end)
    if answer is None:
        return None
    missing = [key for key in REQUIRED_KEYS[domain] if key not in answer]
    if missing:
        # A contract breach shows as "no data" on the screen and in the log, not as a 500.
        log.error("%s.indicators.dashboard_figures lacks %s", domain, ", ".join(missing))
        return None
    return answer


def by_child(domain: str, region_code: str, start: dt.date, end: dt.date) -> dict | None:
    module = module_of(domain)
    function = getattr(module, "figures_by_child", None)
    if function is None:
        return None
    return function(region_code, start, end)
