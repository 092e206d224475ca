"""REST API of ledgers (mounted at /api/v1/ledgers by yiyang.api)."""

from ninja import Router

router = Router(tags=["ledgers"])
