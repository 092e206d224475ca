"""Monthly settlement (结算) with the providers.

generate_month() checks the month's visits and then, per provider, links every
payable visit (delivered, checked out, not flagged or accepted on review) to the
provider's draft settlement and sums it. A visit belongs to at most one settlement
(SettledVisit's primary key is the order), and a draft is regenerated in place until the bureau approves it;
approval locks it: it is refused while flagged visits await review or payable visits
are missing from it, and nothing is relinked afterwards.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Count, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from yiyang.core import audit, scoping
from yiyang.core.choices import Action, AuditAction, OrganisationKind
from yiyang.core.models import Organisation, Region, prefix_upper_bound
from yiyang.jobs import services as jobs
from yiyang.jobs.models import Job
from yiyang.services import checks, stats
from yiyang.services.choices import ReviewStatus, SettlementStatus
from yiyang.services.models import Order, SettledVisit, Settlement
from yiyang.services.querysets import next_month, order_scope
from yiyang.services.services import InvalidOrder

SETTLEMENT_JOB = "services_settlement"


def settlements_for(user):
    """Settlements a user may see: the bureau its area's, a provider its own."""
    if scoping.can(user, Action.MANAGE_SERVICES) and user.scope_prefix:
        prefix = user.scope_prefix[:6]
        return Settlement.objects.filter(county_id__gte=prefix, county_id__lt=prefix_upper_bound(prefix))
    if scoping.can(user, Action.PROVIDE_SERVICES) and user.organisation_id:
        return Settlement.objects.filter(provider_id=user.organisation_id)
    return Settlement.objects.none()


def _month(month: dt.date) -> dt.date:
    return month.replace(day=1)


def _require_county(actor, county: Region) -> None:
    scoping.require(actor, Action.MANAGE_SERVICES)
    if not (actor.scope_prefix and county.code.startswith(actor.scope_prefix[:6])):
        raise Http404


def submit_month(county: Region, month: dt.date, *, actor) -> Job:
    """Generate the month's settlements in the background (checks and sums take seconds
    at county scale); a run already waiting or running for the same month is reused."""
    _require_county(actor, county)
    params = {"county": county.code, "month": _month(month).isoformat()}
    running = Job.objects.filter(kind=SETTLEMENT_JOB, status__in=Job.ACTIVE, params__county=county.code,
                                 params__month=params["month"]).first()
    return running or jobs.submit(SETTLEMENT_JOB, actor, params=params)


def recent_runs(actor, limit: int = 3):
    """The actor's latest settlement runs, newest first, for the settlement page."""
    return Job.objects.filter(kind=SETTLEMENT_JOB, owner=actor).order_by("-created")[:limit]


@transaction.atomic
def generate_month(county: Region, month: dt.date, *, actor, progress=None) -> list[Settlement]:
    """Check the month and (re)generate the draft settlement of every provider with
    visits in the county that month; approved ones are left as they are."""
    _require_county(actor, county)
    month = _month(month)
    checks.run_checks(month, next_month(month))
    provider_ids = (order_scope(Order.objects.in_month(month), county.prefix)
                    .values_list("provider_id", flat=True).distinct().order_by())
    providers = Organisation.objects.filter(pk__in=list(provider_ids)).order_by("name")
    done = []
    for i, provider in enumerate(providers):
        existing = Settlement.objects.filter(provider=provider, month=month).first()
        if existing is None or not existing.is_locked:
            done.append(_generate(provider, county, month, actor))
        if progress:
            progress(i + 1, len(providers))
    stats.rebuild(month, next_month(month))
    return done


@transaction.atomic
def generate_settlement(provider: Organisation, county: Region, month: dt.date, *, actor) -> Settlement:
    _require_county(actor, county)
    if provider.kind != OrganisationKind.PROVIDER:
        raise Http404
    month = _month(month)
    checks.run_checks(month, next_month(month), provider_id=provider.pk)
    return _generate(provider, county, month, actor)


def _generate(provider, county, month, actor) -> Settlement:
    settlement, _created = Settlement.objects.select_for_update().get_or_create(
        provider=provider, month=month, defaults={"county": county})
    if settlement.is_locked:
        raise InvalidOrder({"status": [_("The settlement of %(provider)s for %(month)s is approved "
                                         "and locked.") % {"provider": provider,
                                                           "month": f"{month:%Y-%m}"}]})
    # Every filter starts from the provider's month (its index).
    month_orders = order_scope(Order.objects.filter(provider=provider).in_month(month), county.prefix)
    SettledVisit.objects.filter(settlement=settlement).delete()
    _link(month_orders.payable().filter(settled__isnull=True), settlement)
    totals = month_orders.filter(settled__settlement=settlement).aggregate(
        visits=Count("id"), hours=Sum("hours"), gov=Sum("gov_amount"), own=Sum("self_amount"))
    settlement.visits = totals["visits"]
    settlement.hours = totals["hours"] or Decimal(0)
    settlement.gov_amount = totals["gov"] or Decimal(0)
    settlement.self_amount = totals["own"] or Decimal(0)
    settlement.rejected = month_orders.filter(review_status=ReviewStatus.REJECTED).count()
    settlement.generated_at = timezone.now()
    settlement.save()
    audit.record(AuditAction.UPDATE, actor=actor, obj=settlement, region_code=county.code,
                 detail=f"generated: {settlement.visits} visits, {settlement.total}")
    return settlement


def _link(visits, settlement: Settlement) -> None:
    """INSERT … SELECT: the month's payable visits become the settlement's in one
    statement, without a round trip per visit."""
    sql, params = visits.order_by().values_list("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {SettledVisit._meta.db_table} (settlement_id, order_id) "
                       f"SELECT %s, payable.* FROM ({sql}) payable", [settlement.pk, *params])


@transaction.atomic
def approve_settlement(settlement: Settlement, *, actor) -> Settlement:
    scoping.require(actor, Action.MANAGE_SERVICES)
    try:
        settlement = settlements_for(actor).select_for_update().get(pk=settlement.pk)
    except Settlement.DoesNotExist as exc:
        raise Http404 from exc
    if settlement.is_locked:
        raise InvalidOrder({"status": [_("This settlement is already approved.")]})
    month_orders = order_scope(Order.objects.filter(provider=settlement.provider_id)
                             .in_month(settlement.month), settlement.county.prefix)
    pending = month_orders.awaiting_review().count()
    if pending:
        raise InvalidOrder({"status": [_("%(n)s flagged visits of this month await review.")
                                       % {"n": pending}]})
    missing = month_orders.payable().filter(settled__isnull=True).count()
    if missing:
        raise InvalidOrder({"status": [_("%(n)s payable visits are not in this draft yet: "
                                         "generate it again.") % {"n": missing}]})
    settlement.status = SettlementStatus.APPROVED
    settlement.approved_by, settlement.approved_at = actor, timezone.now()
    settlement.save()
    audit.record(AuditAction.STATUS, actor=actor, obj=settlement, region_code=settlement.county_id,
                 detail=f"approved: {settlement.visits} visits, gov {settlement.gov_amount}, "
                        f"self {settlement.self_amount}")
    return settlement


def record_export(settlement: Settlement, kind: str, *, actor) -> None:
    audit.record(AuditAction.EXPORT, actor=actor, obj=settlement, region_code=settlement.county_id,
                 detail=f"settlement {kind}")
