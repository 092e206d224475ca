"""The ASGI application: HTTP to Django (device intake on its own fast route),
WebSocket to the Channels consumers behind session authentication, and lifespan
for the alarms app's background ticker."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiyang.settings")
django_application = get_asgi_application()  # sets Django up before the imports below

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from yiyang.alarms.asgi_intake import HttpRouter, lifespan  # noqa: E402
from yiyang.alarms.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter({
    "http": HttpRouter(django_application),
    "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    "lifespan": lifespan,
})
