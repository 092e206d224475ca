from django.urls import path

from yiyang.alarms.consumers import AlarmConsoleConsumer

websocket_urlpatterns = [path("ws/alarms/", AlarmConsoleConsumer.as_asgi())]
