"""REST API of dashboard (mounted at /api/v1/dashboard by yiyang.api)."""

from ninja import Router

router = Router(tags=["dashboard"])
