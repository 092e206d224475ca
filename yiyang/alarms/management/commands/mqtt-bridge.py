"""`yiyang mqtt-bridge`: feed device events from the MQTT broker (MQTT_URL) into Yiyang."""

from django.conf import settings
from django.core.management.base import BaseCommand

from yiyang.alarms import conf
from yiyang.alarms.mqtt import Bridge


class Command(BaseCommand):
    help = "Subscribe (QoS 1) to device events on the MQTT broker and store them."

    def add_arguments(self, parser):
        parser.add_argument("--url", default=settings.MQTT_URL or "mqtt://127.0.0.1:1883")
        parser.add_argument("--topic", default=conf.MQTT_TOPIC)
        parser.add_argument("--client-id", default="yiyang-bridge",
                            help="a persistent session: messages wait in the broker while it is down")

    def handle(self, *args, url, topic, client_id, **options):
        bridge = Bridge(url, topic, client_id)
        self.stdout.write(f"Bridging {topic} from {url} (Ctrl+C stops it)")
        try:
            bridge.run()
        except KeyboardInterrupt:
            bridge.stop.set()
