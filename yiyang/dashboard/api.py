"""REST API of the dashboard (mounted at /api/v1/dashboard by yiyang.api).

GET /figures is exactly what the dashboard page fetches (with the browser's session;
other callers use a bearer token), so the page, the API and the benchmark read the same
JSON. Everything is limited to the caller's scope: another region is 404.
"""

from __future__ import annotations

from ninja import Query, Router, Schema, Status
from ninja.security import SessionAuth

from yiyang.core import scoping
from yiyang.core.api import InvalidInput, TokenAuth
from yiyang.core.choices import Action
from yiyang.dashboard import periods, queries, services
from yiyang.dashboard.constants import SERIES_MONTHS_MAX
from yiyang.dashboard.forms import DashboardQueryForm, PopulationForm, ReportForm, errors_of
from yiyang.dashboard.models import RegionPopulation

router = Router(tags=["dashboard"])


class _Session(SessionAuth):
    """The logged-in browser session (the dashboard page's own requests)."""

    def authenticate(self, request, key):
        user = request.user
        return user if user.is_authenticated and user.is_active else None


AUTH = [TokenAuth(), _Session()]


# --- what /figures answers (documented in the OpenAPI) ------------------------------------------
class RegionRef(Schema):
    code: str
    name: str


class RegionOut(RegionRef):
    level: int
    path: list[RegionRef]


class PeriodOut(Schema):
    value: str
    label: str
    start: str
    end: str
    previous: str


class PyramidRow(Schema):
    band: str
    label: str
    M: int
    F: int


class CountRow(Schema):
    key: str
    label: str
    n: int


class RegistryOut(Schema):
    total: int
    aged_60: int
    aged_80: int
    aged_100: int
    under_60: int
    sex: dict[str, int]
    pyramid: list[PyramidRow]
    categories: list[CountRow]
    categories_by_key: dict[str, int]
    levels: list[CountRow]
    population: int | None
    population_year: int | None
    ageing_rate: float | None


class ServicesOut(Schema):
    orders: int
    orders_previous: int
    hours: float
    hours_previous: float
    entitled_hours: float
    visits_flagged: int
    visits_rejected: int
    satisfaction: float | None
    ratings: int


class AlarmsOut(Schema):
    alarms_today_by_type: dict[str, int]
    alarms_period_by_type: dict[str, int]
    type_labels: dict[str, str]
    alarms_period: int
    open_alarms: int
    ack_median_s: float | None
    ack_p90_s: float | None
    ack_within_60s_share: float | None
    devices_total: int
    devices_online: int
    devices_offline: int


class ChildOut(Schema):
    rank: int
    code: str
    name: str
    url: str
    total: int
    aged_60: int
    aged_80: int
    aged_100: int
    disabled: int
    alone: int
    population: int | None
    ageing_rate: float | None
    orders: int | None
    hours: float | None
    alarms: int | None
    devices_offline: int | None


class FiguresOut(Schema):
    region: RegionOut
    period: PeriodOut
    as_of: str
    registry: RegistryOut
    services: ServicesOut | None
    alarms: AlarmsOut | None
    children: list[ChildOut]
    child_level: str | None


class SeriesRow(Schema):
    month: str
    recorded: bool
    total: int | None
    aged_60: int | None
    aged_80: int | None
    aged_100: int | None
    ageing_rate: float | None
    disabled: int | None
    dibao: int | None
    tekun: int | None
    alone: int | None
    orders: int | None
    hours: float | None
    alarms: int | None
    ack_within_60s_share: float | None


class FiguresQuery(Schema):
    region: str | None = None
    period: str | None = None


def _query(request, region: str | None, period: str | None):
    form = DashboardQueryForm({"region": region or "", "period": period or ""})
    if not form.is_valid():
        raise InvalidInput(errors_of(form))
    user = request.auth
    return queries.dashboard_region(user, form.cleaned_data["region"]), form.cleaned_data["period"]


@router.get("/figures", auth=AUTH, response=FiguresOut, url_name="dashboard_figures")
def figures(request, query: Query[FiguresQuery]):
    """Every figure of the dashboard for a region (default: the caller's scope) and a
    period (`YYYY-MM` or `YYYY`, default the current month): registry stocks (elders 60+,
    80+, 100+, ageing rate, age pyramid by sex, categories, capability levels), home-care
    services and alarms (`null` when that module has no data yet), and one row per child
    region (towns of a county, villages of a town) ranked by elders aged 60+."""
    region, period = _query(request, query.region, query.period)
    return queries.dashboard(region, period)


class SeriesQuery(Schema):
    region: str | None = None
    period: str | None = None
    months: int = 12


@router.get("/series", auth=AUTH, response=list[SeriesRow], url_name="dashboard_series")
def series(request, query: Query[SeriesQuery]):
    """The main indicators month by month, ending with `period` (a month, default the
    current one): stocks from the monthly snapshots, flows from services and alarms."""
    if not 1 <= query.months <= SERIES_MONTHS_MAX:
        raise InvalidInput({"months": [f"1 to {SERIES_MONTHS_MAX}"]})
    region, period = _query(request, query.region, query.period)
    if not period.is_month:
        raise InvalidInput({"period": ["YYYY-MM"]})
    return queries.series(region, periods.recent_months(query.months, today=period.start))


class PopulationOut(Schema):
    region: str
    region_name: str
    year: int
    population: int
    source: str


class PopulationIn(Schema):
    region: str
    year: int
    population: int
    source: str = ""


def _population_out(row: RegionPopulation) -> dict:
    return {"region": row.region_id, "region_name": row.region.name, "year": row.year,
            "population": row.population, "source": row.source}


@router.get("/populations", auth=AUTH, response=list[PopulationOut])
def list_populations(request, year: int | None = None):
    """Resident population figures entered for regions in the caller's scope."""
    scoping.require(request.auth, Action.VIEW_DASHBOARD)
    rows = queries.population_rows(request.auth)
    if year is not None:
        rows = rows.filter(year=year)
    return [_population_out(row) for row in rows]


@router.put("/populations", auth=TokenAuth(), response=PopulationOut)
def put_population(request, payload: PopulationIn):
    """Enter or correct a region's resident population for a year (audited)."""
    user = request.auth
    scoping.require(user, Action.CHANGE)
    form = PopulationForm(payload.dict())
    if not form.is_valid():
        raise InvalidInput(errors_of(form))
    region = queries.dashboard_region(user, form.cleaned_data["region"])
    row = services.set_population(region, form.cleaned_data["year"],
                                  form.cleaned_data["population"],
                                  source=form.cleaned_data["source"], actor=user)
    return _population_out(row)


class ReportIn(Schema):
    region: str | None = None
    kind: str = "monthly"
    period: str | None = None
    format: str = "xlsx"
    months: int = 12


class JobOut(Schema):
    id: str
    status: str
    status_url: str
    download_url: str


@router.post("/reports", auth=TokenAuth(), response={202: JobOut})
def start_report(request, payload: ReportIn):
    """Start a statistical report (monthly report or month-by-month series, as xlsx or
    PDF) as a background job; follow it at /api/v1/jobs/{id} and download the file from
    /api/v1/jobs/{id}/download."""
    form = ReportForm({"region": payload.region or "", "kind": payload.kind,
                       "period": payload.period or "", "fmt": payload.format,
                       "months": payload.months})
    if not form.is_valid():
        raise InvalidInput(errors_of(form))
    data = form.cleaned_data
    region = queries.dashboard_region(request.auth, data["region"])
    job = services.submit_report(region, data["period"], kind=data["kind"], fmt=data["fmt"],
                                 months=data["months"], actor=request.auth)
    return Status(202, {"id": str(job.pk), "status": job.status,
                        "status_url": f"/api/v1/jobs/{job.pk}",
                        "download_url": f"/api/v1/jobs/{job.pk}/download"})

