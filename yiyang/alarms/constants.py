"""What each event means: whether it needs a person, and how urgently."""

from yiyang.alarms.choices import AlarmType, EventType

# Lower is more urgent: life first (SOS, fall, smoke, gas), then the home, then quiet.
PRIORITY = {
    AlarmType.SOS: 1,
    AlarmType.FALL: 1,
    AlarmType.SMOKE: 1,
    AlarmType.GAS: 1,
    AlarmType.WATER: 2,
    AlarmType.DOOR_NIGHT: 2,
    AlarmType.INACTIVITY: 3,
}

# Events that always need a person. DOOR_OPEN needs one only at night (see intake).
ALARM_OF_EVENT = {
    EventType.SOS: AlarmType.SOS,
    EventType.FALL: AlarmType.FALL,
    EventType.SMOKE: AlarmType.SMOKE,
    EventType.GAS: AlarmType.GAS,
    EventType.WATER: AlarmType.WATER,
}

MAX_EVENT_ID = 64
MAX_BODY_BYTES = 8 * 1024
KEY_SCHEME = "Device"
