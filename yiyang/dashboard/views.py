"""Dashboard pages. Thin: scope, parse, call one query or service, render. The figures
themselves are fetched by the page from the API (queries.dashboard)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from yiyang.core import scoping
from yiyang.core.choices import Action
from yiyang.dashboard import periods, queries, services
from yiyang.dashboard.constants import REPORT_JOB
from yiyang.dashboard.forms import PopulationForm, ReportForm
from yiyang.jobs.models import Job
from yiyang.jobs.services import live_state

WALL_REFRESH_SECONDS = 60
TREND_MONTHS = 12


@login_required
def index(request):
    region = queries.dashboard_region(request.user, request.GET.get("region"))
    try:
        period = periods.parse(request.GET.get("period"))
    except periods.InvalidPeriod as exc:
        messages.error(request, str(exc))
        period = periods.current()
    wall = request.GET.get("wall") == "1"
    query = urlencode({"region": region.code, "period": period.value})
    animate = request.GET.get("animate") != "0" and not settings.TESTING
    return render(request, "dashboard/index.html", {
        "region": region, "period": period, "wall": wall,
        "path": [r for r in region.ancestors() if scoping.region_in_scope(request.user, r)],
        "period_choices": _period_choices(period),
        "data_url": reverse("api:dashboard_figures") + "?" + query,
        "series_url": reverse("api:dashboard_series") + "?" + urlencode({
            "region": region.code, "period": period.last_month().value, "months": TREND_MONTHS}),
        "wall_url": reverse("dashboard:index") + "?" + query + "&wall=1",
        "normal_url": reverse("dashboard:index") + "?" + query,
        "reports_url": reverse("dashboard:reports") + "?" + urlencode({"region": region.code}),
        "animate": animate, "refresh_seconds": WALL_REFRESH_SECONDS if wall else 0,
        # A wall left on for days follows the calendar unless a period was chosen.
        "follows_today": not request.GET.get("period"),
        "can_edit_population": scoping.can(request.user, Action.CHANGE),
        "labels": _labels(),
    })


def _labels() -> dict[str, str]:
    """The words dashboard.js writes into the page and its charts (translated here)."""
    return {
        "men": _("Men"), "women": _("Women"), "elders": _("Elders"),
        "this_period": _("This period"), "previous": _("Previous period"),
        "orders": _("Orders"), "hours": _("Service hours"), "entitled": _("Entitled hours"),
        "today": _("Today"), "period": _("In the period"),
        "population": _("of %(n)s residents (%(year)s)"),
        "population_no_year": _("of %(n)s residents"),
        "no_population": _("Population not entered"),
        "under_60": _("%(n)s of them under 60"),
        "open_alarms": _("%(n)s still open"), "ratings": _("%(n)s ratings"),
        "seconds": _("%(n)s s"), "change": _("%(change)s vs previous period"),
        "children": _("By %(level)s"),
        "aged_60": _("Aged 60+"), "alarms": _("Alarms"),
    }


def _period_choices(chosen: periods.Period) -> list[tuple[str, str]]:
    months = list(reversed(periods.recent_months(12)))
    year = timezone.localdate().year
    choices = [(p.value, p.label) for p in months]
    choices += [(str(y), periods.parse(str(y)).label) for y in (year, year - 1)]
    if chosen.value not in {value for value, _label in choices}:
        choices.insert(0, (chosen.value, chosen.label))
    return choices


@login_required
def population(request):
    user = request.user
    scoping.require(user, Action.VIEW_DASHBOARD)
    can_edit = scoping.can(user, Action.CHANGE)
    form = PopulationForm(request.POST or None, initial={"year": timezone.localdate().year})
    if request.method == "POST":
        scoping.require(user, Action.CHANGE)
        if form.is_valid():
            data = form.cleaned_data
            region = queries.dashboard_region(user, data["region"])
            services.set_population(region, data["year"], data["population"],
                                    source=data["source"], actor=user)
            messages.success(request, _("The population of %(region)s in %(year)s was saved.")
                             % {"region": region.name, "year": data["year"]})
            return redirect("dashboard:population")
    return render(request, "dashboard/population.html", {
        "form": form, "can_edit": can_edit,
        "regions": scoping.visible_regions(user).filter(level__lte=4).order_by("code"),
        "page": Paginator(queries.population_rows(user), 50).get_page(request.GET.get("page")),
    })


@login_required
def report_list(request):
    user = request.user
    region = queries.dashboard_region(user, request.GET.get("region") or request.POST.get("region"))
    initial = {"region": region.code, "period": periods.current().previous.value, "months": 12}
    form = ReportForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        chosen = queries.dashboard_region(user, data["region"] or region.code)
        job = services.submit_report(chosen, data["period"], kind=data["kind"], fmt=data["fmt"],
                                     months=data["months"], actor=user)
        messages.success(request, _("The report is being prepared; it stays here for download."))
        return redirect(reverse("dashboard:reports") + f"?region={chosen.code}&job={job.pk}")
    jobs = Job.objects.filter(owner=user, kind=REPORT_JOB).order_by("-created")
    page = Paginator(jobs, 20).get_page(request.GET.get("page"))
    for job in page:
        job.live = live_state(job)
    return render(request, "dashboard/reports.html", {
        "region": region, "form": form, "page": page,
        "regions": scoping.visible_regions(user).filter(level__lte=4).order_by("code"),
    })
