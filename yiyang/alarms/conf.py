"""Tunables of the alarms app, read once from the environment (docs/alarms.md)."""

from yiyang.lib.env import env_bool, env_int, env_str

# Escalation ladder used where a region has none of its own: seconds after the alarm
# was raised, while nobody has acknowledged it, and whom to notify then.
ACK_TARGET_S = env_int("YIYANG_ALARM_ACK_TARGET_S", 60)
ESCALATE_NEIGHBOURS_S = env_int("YIYANG_ALARM_ESCALATE_NEIGHBOURS_S", 180)
ESCALATE_FAMILY_S = env_int("YIYANG_ALARM_ESCALATE_FAMILY_S", 300)

HEARTBEAT_INTERVAL_S = env_int("YIYANG_DEVICE_HEARTBEAT_S", 300)
HEARTBEAT_FLUSH_MS = env_int("YIYANG_HEARTBEAT_FLUSH_MS", 200)
DEDUP_WINDOW_S = env_int("YIYANG_ALARM_DEDUP_WINDOW_S", 600)
FUTURE_TOLERANCE_S = env_int("YIYANG_EVENT_FUTURE_TOLERANCE_S", 300)
MAX_EVENT_AGE_DAYS = env_int("YIYANG_EVENT_MAX_AGE_DAYS", 7)

INACTIVITY_HOURS = env_int("YIYANG_INACTIVITY_HOURS", 4)
DAY_START_HOUR = env_int("YIYANG_DAY_START_HOUR", 7)
DAY_END_HOUR = env_int("YIYANG_DAY_END_HOUR", 21)
NIGHT_START_HOUR = env_int("YIYANG_NIGHT_START_HOUR", 22)
NIGHT_END_HOUR = env_int("YIYANG_NIGHT_END_HOUR", 6)

NOTIFY_BACKEND = env_str("YIYANG_NOTIFY_BACKEND", "log")  # "log" or "webhook"
NOTIFY_WEBHOOK_URL = env_str("YIYANG_NOTIFY_WEBHOOK_URL")
NOTIFY_WEBHOOK_TIMEOUT_S = env_int("YIYANG_NOTIFY_WEBHOOK_TIMEOUT_S", 5)
PUBLIC_BASE_URL = env_str("YIYANG_PUBLIC_BASE_URL", "http://127.0.0.1:8000")

# The ticker (escalation timers, outbox, offline and inactivity checks) runs inside
# each server process unless turned off; several copies are safe (conditional claims).
TICKER_IN_SERVER = env_bool("YIYANG_ALARM_TICKER", True)
TICK_S = env_int("YIYANG_ALARM_TICK_MS", 1000) / 1000
RESYNC_S = env_int("YIYANG_CONSOLE_RESYNC_S", 3)
DEVICE_CACHE_S = env_int("YIYANG_DEVICE_CACHE_S", 60)

MQTT_TOPIC = env_str("YIYANG_MQTT_TOPIC", "yiyang/devices/+/events")
