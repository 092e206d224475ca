"""Tunables of home-care services, from the environment (defaults in brackets)."""

from dataclasses import dataclass

from yiyang.lib.env import env_int, env_str


@dataclass(frozen=True)
class ServicesConf:
    checkin_max_m: int  # check-in farther than this from home is flagged [300 m]
    short_visit_percent: int  # a visit under this share of the planned time is flagged [50 %]
    overlap_window_h: int  # longest visit the overlap check looks back over [12 h]
    confirm_grace_h: int  # a done visit unconfirmed this long is flagged [48 h]
    code_minutes: int  # a confirmation code is valid this long [30 min]
    code_attempts: int  # wrong codes before a new one must be sent [5]
    notify_backend: str  # "log" (default) writes what would be sent


def conf() -> ServicesConf:
    return ServicesConf(
        checkin_max_m=env_int("YIYANG_SERVICES_CHECKIN_MAX_M", 300),
        short_visit_percent=env_int("YIYANG_SERVICES_SHORT_VISIT_PERCENT", 50),
        overlap_window_h=env_int("YIYANG_SERVICES_OVERLAP_WINDOW_H", 12),
        confirm_grace_h=env_int("YIYANG_SERVICES_CONFIRM_GRACE_H", 48),
        code_minutes=env_int("YIYANG_SERVICES_CODE_MINUTES", 30),
        code_attempts=env_int("YIYANG_SERVICES_CODE_ATTEMPTS", 5),
        notify_backend=env_str("YIYANG_SERVICES_NOTIFY_BACKEND", "log"),
    )
