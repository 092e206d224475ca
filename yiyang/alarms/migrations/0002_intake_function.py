"""PostgreSQL only: the intake's writes for a batch of device events in one call
(hotpath.store_batch_pg). Row by row from Python, a new alarm took about ten round
trips; this is one per batch. Other databases keep the statements in hotpath.py."""

from django.db import migrations

FUNCTION = r"""
CREATE OR REPLACE FUNCTION yiyang_alarm_intake(
    p_device bigint[], p_event_id text[], p_type text[], p_occurred timestamptz[], p_channel text[],
    p_battery int[], p_location text[], p_extra text[], p_alarm_type text[], p_elder bigint[],
    p_region text[], p_priority int[], p_due timestamptz[], p_detail text[], p_now timestamptz)
RETURNS TABLE(o_event bigint, o_alarm bigint, o_known boolean, o_new boolean, o_seq bigint,
              o_status text, o_priority int, o_raised_at timestamptz, o_count int, o_acked_by text,
              o_responder text, o_accepted boolean, o_arrived boolean)
LANGUAGE plpgsql AS $fn$
-- For each event: store it (ON CONFLICT on the device's event id: a resend is answered
-- from the first row), then join the open alarm of its kind for this elder or open one
-- with its first escalation timer. The partial unique index on open alarms makes a
-- concurrent opener fail here; the caller then retries event by event.
DECLARE
    i int;
    a record;
    activity_seq text := pg_get_serial_sequence('alarms_alarmactivity', 'id');
BEGIN
    FOR i IN 1 .. coalesce(array_length(p_device, 1), 0) LOOP
        o_event := NULL; o_alarm := NULL; o_known := false; o_new := false; o_seq := NULL;
        o_status := NULL; o_priority := NULL; o_raised_at := NULL; o_count := NULL;
        o_acked_by := ''; o_responder := ''; o_accepted := false; o_arrived := false;
        INSERT INTO alarms_deviceevent (device_id, event_id, type, occurred_at, received_at, channel,
                                        battery, location, extra, alarm_id)
        VALUES (p_device[i], p_event_id[i], p_type[i], p_occurred[i], p_now, p_channel[i], p_battery[i],
                p_location[i]::jsonb, p_extra[i]::jsonb, NULL)
        ON CONFLICT (device_id, event_id) DO NOTHING
        RETURNING id INTO o_event;
        IF o_event IS NULL THEN
            o_known := true;
            SELECT e.id, e.alarm_id INTO o_event, o_alarm FROM alarms_deviceevent e
             WHERE e.device_id = p_device[i] AND e.event_id = p_event_id[i];
            RETURN NEXT;
            CONTINUE;
        END IF;
        IF p_alarm_type[i] IS NOT NULL THEN
            SELECT x.id, x.status, x.priority, x.raised_at, x.event_count,
                   COALESCE(NULLIF(u.full_name, ''), u.username, '') AS who, x.responder_name,
                   x.responder_accepted_at IS NOT NULL AS accepted,
                   x.responder_arrived_at IS NOT NULL AS arrived
              INTO a
              FROM alarms_alarm x LEFT JOIN core_user u ON u.id = x.acknowledged_by_id
             WHERE x.elder_id = p_elder[i] AND x.type = p_alarm_type[i]
               AND x.status IN ('open', 'acknowledged')
               FOR UPDATE OF x;
            IF FOUND THEN
                INSERT INTO alarms_alarmactivity (alarm_id, at, kind, actor_name, detail)
                VALUES (a.id, p_now, 'repeated', '', left(p_detail[i], 500)) RETURNING id INTO o_seq;
                UPDATE alarms_alarm SET event_count = event_count + 1, last_event_at = p_now, seq = o_seq,
                       last_updated = p_now WHERE id = a.id;
                o_alarm := a.id; o_status := a.status; o_priority := a.priority; o_raised_at := a.raised_at;
                o_count := a.event_count + 1; o_acked_by := coalesce(a.who, '');
                o_responder := coalesce(a.responder_name, ''); o_accepted := a.accepted;
                o_arrived := a.arrived;
            ELSE
                o_seq := nextval(activity_seq);
                INSERT INTO alarms_alarm (created, last_updated, type, priority, status, elder_id, device_id,
                                          region_id, raised_at, occurred_at, last_event_at, event_count,
                                          outcome, close_note, responder_name, escalation_step, seq)
                VALUES (p_now, p_now, p_alarm_type[i], p_priority[i], 'open', p_elder[i], p_device[i],
                        p_region[i], p_now, p_occurred[i], p_now, 1, '', '', '', 0, o_seq)
                RETURNING id INTO o_alarm;
                INSERT INTO alarms_alarmactivity (id, alarm_id, at, kind, actor_name, detail)
                OVERRIDING SYSTEM VALUE
                VALUES (o_seq, o_alarm, p_now, 'raised', '', left(p_detail[i], 500));
                INSERT INTO alarms_escalationtimer (alarm_id, step, due_at) VALUES (o_alarm, 1, p_due[i]);
                o_new := true; o_status := 'open'; o_priority := p_priority[i]; o_raised_at := p_now;
                o_count := 1;
            END IF;
            UPDATE alarms_deviceevent SET alarm_id = o_alarm WHERE id = o_event;
        END IF;
        RETURN NEXT;
    END LOOP;
END
$fn$;
"""

DROP = ("DROP FUNCTION IF EXISTS yiyang_alarm_intake(bigint[], text[], text[], timestamptz[], text[], int[], "
        "text[], text[], text[], bigint[], text[], int[], timestamptz[], text[], timestamptz)")


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTION)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):

    dependencies = [("alarms", "0001_initial")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
