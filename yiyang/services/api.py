"""REST API of services (mounted at /api/v1/services by yiyang.api)."""

from ninja import Router

router = Router(tags=["services"])
