"""REST API v1 (Django Ninja): OpenAPI at /api/v1/openapi.json, docs at /api/v1/docs."""

from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import ValidationError

from yiyang.accounts.api import router as accounts_router
from yiyang.alarms.api import router as alarms_router
from yiyang.assessment.api import router as assessment_router
from yiyang.core.api import InvalidInput, TokenAuth
from yiyang.core.api import router as core_router
from yiyang.dashboard.api import router as dashboard_router
from yiyang.elders.api import router as elders_router
from yiyang.jobs.api import router as jobs_router
from yiyang.ledgers.api import router as ledgers_router
from yiyang.services.api import router as services_router

api = NinjaAPI(
    title="Yiyang API",
    version="1",
    description="Regions and the elder registry. Authenticate with `Authorization: Bearer <token>` "
    "(POST /api/v1/auth/token). Every call is limited to the caller's scope.",
    auth=TokenAuth(),
    urls_namespace="api",
)
api.add_router("/", core_router)
api.add_router("/elders", elders_router)
api.add_router("/assessments", assessment_router)
api.add_router("/jobs", jobs_router)
api.add_router("/ledgers", ledgers_router)
api.add_router("/services", services_router)
api.add_router("/", alarms_router)  # /device-events, /devices, /alarms
api.add_router("/dashboard", dashboard_router)
api.add_router("/accounts", accounts_router)


@api.exception_handler(Http404)
def not_found(request, exc):
    return api.create_response(request, {"detail": "Not found."}, status=404)


@api.exception_handler(ValidationError)
def invalid(request, exc):
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        location = ".".join(str(p) for p in error.get("loc", [])[1:] if p != "payload") or "body"
        errors.setdefault(location, []).append(error.get("msg", "invalid"))
    return api.create_response(request, {"detail": "Invalid input.", "errors": errors}, status=422)


@api.exception_handler(InvalidInput)
def invalid_form(request, exc):
    return api.create_response(request, {"detail": "Invalid input.", "errors": exc.errors}, status=400)
