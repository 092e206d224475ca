"""The operator console's WebSocket: pushes of alarm changes in the user's scope,
and "sync since N" answered from the database (on connect, every few seconds, and
whenever the page thinks it missed something)."""

from __future__ import annotations

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from yiyang.alarms import queries
from yiyang.alarms.events import COUNTY_PREFIX, group_name
from yiyang.core import scoping
from yiyang.core.choices import Action, RegionLevel
from yiyang.core.models import Region

REFUSED = 4403


def _read(function):
    """The console's reads run beside the thread that stores device events, not on it:
    there they would wait behind the intake's batches, holding this consumer's pushes
    back meanwhile (its channel fills and drops them), and Channels' connection
    clean-up around each call would close the intake's database connection."""
    return database_sync_to_async(function, thread_sensitive=False)


def _console_scope(user) -> str | None:
    """The region prefix this user may watch, or None."""
    if not user.is_authenticated or not scoping.can(user, Action.HANDLE_ALARMS):
        return None
    return user.scope_prefix if scoping.is_region_scoped(user) else None


def console_groups(prefix: str) -> list[str]:
    """The county groups that carry the alarms of a scope."""
    if len(prefix) >= COUNTY_PREFIX:
        return [group_name(prefix[:COUNTY_PREFIX])]
    counties = Region.objects.within(prefix).filter(level=RegionLevel.COUNTY).values_list("code", flat=True)
    return [group_name(code[:COUNTY_PREFIX]) for code in counties]


def _number(value) -> int:
    try:
        return max(int(value or 0), 0)
    except (TypeError, ValueError):
        return 0


class AlarmConsoleConsumer(AsyncJsonWebsocketConsumer):
    prefix: str | None = None

    async def connect(self):
        self.user = self.scope.get("user")
        self.prefix = await _read(_console_scope)(self.user) if self.user else None
        if self.prefix is None:
            await self.close(code=REFUSED)
            return
        self.groups_joined = await _read(console_groups)(self.prefix)
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()

    async def dispatch(self, message):
        # Channels runs close_old_connections() before every handler, on the thread
        # that stores device events: each push waited there behind the intake's batch,
        # and closed its database connection (reopened for the next batch). The reads
        # here clean up their own connection (_read), so no handler needs it.
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def disconnect(self, code):
        for group in getattr(self, "groups_joined", ()):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive_json(self, content, **kwargs):
        if not isinstance(content, dict):
            return
        if content.get("type") == "sync":
            since = content.get("since")
            since = None if since is None else _number(since)  # None: the whole open queue
            answer = await _read(queries.sync)(self.user, since)
        elif content.get("type") == "fetch" and isinstance(content.get("ids"), list):
            ids = [_number(i) for i in content["ids"][:queries.FETCH_LIMIT]]
            answer = await _read(queries.fetch)(self.user, ids)
        else:
            return
        await self.send_json({"type": "sync", **answer})

    async def alarms_changed(self, event):
        # Re-checked per alarm: a county's group is wider than a town's scope.
        mine = [a for a in event["alarms"] if self.prefix and a["region"].startswith(self.prefix)]
        if mine:
            await self.send_json({"type": "alarms", "alarms": mine})
