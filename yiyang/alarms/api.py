"""REST API of alarms (mounted at /api/v1/alarms by yiyang.api)."""

from ninja import Router

router = Router(tags=["alarms"])
