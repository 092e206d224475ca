from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render

from yiyang.core import scoping
from yiyang.core.choices import Action, RegionLevel
from yiyang.core.forms import AuditFilterForm
from yiyang.core.models import AuditLog
from yiyang.elders import stats


@login_required
def home(request):
    return redirect("elders:list")


@login_required
def region_tree(request, code: str | None = None):
    user = request.user
    regions = scoping.visible_regions(user)
    region = get_object_or_404(regions, code=code or user.scope_region_id)
    children = list(regions.children_of(region))
    if scoping.is_region_scoped(user):
        totals = stats.child_totals(region, children)
        for child in children:
            child.elder_count = totals[child.code]
        region.elder_count = sum(stats.village_totals(region.prefix).values())
    trail = [r for r in region.ancestors() if r.code.startswith(user.scope_prefix or "-")]
    return render(request, "core/region_tree.html", {
        "region": region, "children": children, "trail": trail,
        "is_village": region.level == RegionLevel.VILLAGE,
        "counted": scoping.is_region_scoped(user),
    })


@login_required
def audit_log(request):
    scoping.require(request.user, Action.VIEW_AUDIT)
    form = AuditFilterForm(request.GET or None)
    entries = AuditLog.objects.all()
    prefix = request.user.scope_prefix or ""
    if prefix:
        entries = entries.filter(region_code__startswith=prefix) | entries.filter(region_code="")
    if form.is_valid():
        entries = form.filter(entries)
    page = Paginator(entries.order_by("-at", "-id"), 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "core/audit_log.html", {
        "form": form, "page": page, "query": query.urlencode(),
    })
