"""Home-care pages. Thin: parse, scope, call one service or query, render."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yiyang.core import audit, scoping
from yiyang.core.choices import Action, AuditAction, OrganisationKind
from yiyang.core.models import Organisation
from yiyang.elders.models import Elder
from yiyang.jobs.services import live_state
from yiyang.services import catalogue, exports, geo, queries, services, settlement
from yiyang.services import forms as f
from yiyang.services.choices import OrderStatus, ReviewStatus
from yiyang.services.models import Order, Scheme, VisitPhoto
from yiyang.services.querysets import uses_services


def _require_services(user) -> None:
    if not uses_services(user):
        raise Http404


def _order(request, pk: int) -> Order:
    try:
        return queries.order_detail(request.user, pk)
    except Order.DoesNotExist as exc:
        raise Http404 from exc


def _refused(request, exc: services.InvalidOrder) -> None:
    for message in exc.errors.values():
        messages.error(request, " ".join(str(m) for m in message))


_county = queries.county_of


@login_required
def index(request):
    _require_services(request.user)
    return redirect(queries.index_target(request.user))


# --- orders ------------------------------------------------------------------------------
@login_required
def order_list(request):
    _require_services(request.user)
    filters = {key: request.GET.get(key) for key in ("status", "day", "review", "elder")}
    page = queries.page_of(queries.orders_for(request.user, filters), request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "services/order_list.html", {
        "page": page, "filters": filters, "statuses": OrderStatus.choices, "query": query.urlencode(),
        "can_order": scoping.can(request.user, Action.ORDER_SERVICES),
    })


@login_required
def order_new(request):
    scoping.require(request.user, Action.ORDER_SERVICES)
    elder_pk = request.GET.get("elder") or request.POST.get("elder")
    if not elder_pk:
        term = request.GET.get("q", "")
        return render(request, "services/order_pick_elder.html", {
            "q": term, "found": queries.orderable_elders(request.user, term)})
    elder = get_object_or_404(Elder.objects.restrict(request.user, Action.ORDER_SERVICES).active(),
                              pk=elder_pk)
    items = list(queries.catalogue(elder.county_code + "000000"))
    providers = queries.providers_serving(elder)
    initial = {"day": timezone.localdate() + dt.timedelta(days=1), "start": dt.time(9),
               "end": dt.time(11), "provider": providers[0].organisation_id if providers else None,
               "channel": "family" if request.user.role == "family" else
               "phone" if request.user.role == "operator" else "community"}
    form = f.OrderForm(request.POST or None, items=items, providers=providers, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            order = services.create_order(form.to_data(elder.pk), actor=request.user)
        except services.InvalidOrder as exc:
            f.apply_errors(form, exc)
        else:
            messages.success(request, _("The order was placed with %(provider)s.")
                             % {"provider": order.provider})
            return redirect("services:order", pk=order.pk)
    return render(request, "services/order_new.html", {
        "elder": elder, "form": form, "items": items, "home": getattr(elder, "home", None),
        "balances": queries.balances(elder.pk, timezone.localdate()),
    })


@login_required
def order_edit(request, pk: int):
    order = get_object_or_404(Order.objects.restrict(request.user, Action.ORDER_SERVICES)
                              .select_related("elder", "provider"), pk=pk)
    if order.status not in services.CHANGEABLE_STATUSES:
        messages.error(request, _("Only an order nobody has set out for can be changed."))
        return redirect("services:order", pk=pk)
    elder = order.elder
    items = list(queries.catalogue(elder.county_code + "000000"))
    form = f.OrderChangeForm(request.POST or None, items=items,
                             initial=f.OrderChangeForm.initial_for(order))
    if request.method == "POST" and form.is_valid():
        try:
            order = services.change_order(order, form.to_change(), actor=request.user)
        except services.InvalidOrder as exc:
            f.apply_errors(form, exc)
        else:
            messages.success(request, _("The order was changed.") if order.status != OrderStatus.CREATED
                             else _("The order was changed and goes back to %(provider)s to be accepted.")
                             % {"provider": order.provider})
            return redirect("services:order", pk=pk)
    return render(request, "services/order_new.html", {
        "elder": elder, "order": order, "form": form, "items": items,
        "home": getattr(elder, "home", None), "balances": queries.balances(elder.pk, order.service_date),
    })


@login_required
def order_detail(request, pk: int):
    order = _order(request, pk)
    user = request.user
    is_provider = scoping.can(user, Action.PROVIDE_SERVICES)
    return render(request, "services/order_detail.html", {
        "order": order, "timeline": queries.timeline(order),
        "lines": order.lines.all(), "rating": getattr(order, "rating", None),
        "complaints": order.complaints.all(), "photos": order.photos.all(),
        "is_provider": is_provider, "is_caregiver": scoping.can(user, Action.VISIT),
        "can_manage": scoping.can(user, Action.MANAGE_SERVICES),
        "can_order": scoping.can(user, Action.ORDER_SERVICES),
        "can_change": order.status in services.CHANGEABLE_STATUSES and Order.objects.restrict(
            user, Action.ORDER_SERVICES).filter(pk=order.pk).exists(),
        "assign_form": f.AssignForm(caregivers=catalogue.caregivers_for(user).filter(
            provider=order.provider, active=True)) if is_provider else None,
        "rating_form": f.RatingForm(), "code_form": f.CodeForm(), "review_form": f.ReviewForm(),
        "cancel_form": f.ReasonForm(),
        "balances": queries.balances(order.elder_id, order.service_date),
    })


def _posted(request, form_class, **kwargs):
    form = form_class(request.POST, request.FILES, **kwargs) if request.FILES else form_class(
        request.POST, **kwargs)
    if not form.is_valid():
        raise services.InvalidOrder({k: [str(m) for m in v] for k, v in form.errors.items()})
    return form


def _act_accept(request, order):
    services.accept_order(order, actor=request.user)
    return _("The order was accepted.")


def _act_assign(request, order):
    form = _posted(request, f.AssignForm, caregivers=catalogue.caregivers_for(request.user))
    caregiver = get_object_or_404(catalogue.caregivers_for(request.user), pk=form.cleaned_data["caregiver"])
    services.assign_caregiver(order, caregiver, actor=request.user)
    return _("%(name)s will make the visit.") % {"name": caregiver}


def _act_cancel(request, order):
    services.cancel_order(order, _posted(request, f.ReasonForm).cleaned_data["reason"], actor=request.user)
    return _("The order was cancelled.")


def _act_set_out(request, order):
    services.set_out(order, actor=request.user)
    return _("On the way.")


def _act_checkin(request, order):
    services.check_in(order, _posted(request, f.PositionForm).position(), actor=request.user)
    return _("Checked in.")


def _act_checkout(request, order):
    form = _posted(request, f.CheckOutForm, lines=order.lines.all())
    services.check_out(order, form.position(), items=form.cleaned_data["items"],
                       notes=form.cleaned_data["notes"], actor=request.user)
    return _("Checked out. Now ask the elder or family to confirm.")


def _act_send_code(request, order):
    phone = services.send_code(order, actor=request.user)
    return _("A code was sent to %(phone)s.") % {"phone": phone}


def _act_confirm(request, order):
    services.confirm_with_code(order, _posted(request, f.CodeForm).cleaned_data["code"], actor=request.user)
    return _("The visit is confirmed.")


def _act_signature(request, order):
    services.confirm_with_signature(order, _posted(request, f.SignatureForm).cleaned_data["signature"],
                                    actor=request.user)
    return _("The visit is confirmed.")


def _act_photo(request, order):
    services.add_photo(order, _posted(request, f.PhotoForm).cleaned_data["photo"], actor=request.user)
    return _("The photo was added.")


def _act_rate(request, order):
    data = _posted(request, f.RatingForm).cleaned_data
    services.rate_order(order, data["score"], data["comment"], complaint=data["complaint"],
                        actor=request.user)
    return _("Thank you for the rating.")


def _act_review(request, order):
    data = _posted(request, f.ReviewForm).cleaned_data
    services.review_visit(order, accept=data["decision"] == "accept", reason=data["reason"],
                          actor=request.user)
    return _("The review was recorded.")


ACTIONS = {
    "accept": _act_accept, "assign": _act_assign, "cancel": _act_cancel, "set_out": _act_set_out,
    "checkin": _act_checkin, "checkout": _act_checkout, "send_code": _act_send_code,
    "confirm": _act_confirm, "signature": _act_signature, "photo": _act_photo, "rate": _act_rate,
    "review": _act_review,
}


@login_required
@require_POST
def order_action(request, pk: int, action: str):
    """One step of the workflow; back to the page it came from (the order or the visit)."""
    if action not in ACTIONS:
        raise Http404
    order = _order(request, pk)
    try:
        messages.success(request, ACTIONS[action](request, order))
    except services.InvalidOrder as exc:
        _refused(request, exc)
    back = request.POST.get("next", "")
    if back == "visit":
        return redirect("services:visit", pk=pk)
    if back == "review":
        return redirect("services:review")
    return redirect("services:order", pk=pk)


# --- the caregiver's phone pages --------------------------------------------------------
@login_required
def today(request):
    scoping.require(request.user, Action.VISIT)
    day = timezone.localdate()
    visits = list(queries.today_visits(request.user, day))
    for visit in visits:
        home = getattr(visit.elder, "home", None)
        visit.map_url = geo.map_link(home.lat, home.lng, visit.elder.name) if home else ""
    return render(request, "services/today.html", {"visits": visits, "day": day})


@login_required
def visit(request, pk: int):
    scoping.require(request.user, Action.VISIT)
    order = get_object_or_404(queries.with_lines(Order.objects.restrict(request.user, Action.VISIT))
                              .select_related("elder", "elder__region", "elder__home"), pk=pk)
    home = getattr(order.elder, "home", None)
    audit.record(AuditAction.REVEAL, actor=request.user, obj=order.elder,
                 detail=f"address for visit {order.pk}")
    return render(request, "services/visit.html", {
        "order": order, "lines": order.lines.all(), "home": home, "address": order.elder.address,
        "map_url": geo.map_link(home.lat, home.lng, order.elder.name) if home else "",
        "checkout_form": f.CheckOutForm(lines=order.lines.all(), initial={
            "items": [line.item_id for line in order.lines.all()]}),
        "code_form": f.CodeForm(), "photos": order.photos.all(),
    })


@login_required
def photo(request, pk: int, photo_pk: int):
    order = _order(request, pk)
    item = get_object_or_404(VisitPhoto, order=order, pk=photo_pk)
    return FileResponse(item.image.open("rb"), content_type="image/jpeg")


# --- the bureau: review, complaints, quality -------------------------------------------------
@login_required
def review(request):
    scoping.require(request.user, Action.MANAGE_SERVICES)
    page = queries.page_of(queries.review_list(request.user), request.GET.get("page"))
    return render(request, "services/review.html", {"page": page, "form": f.ReviewForm()})


@login_required
def complaints(request):
    _require_services(request.user)
    rows = queries.complaints_for(request.user).select_related("order", "order__elder", "order__provider")
    return render(request, "services/complaints.html", {
        "page": Paginator(rows.order_by("status", "-created"), 30).get_page(request.GET.get("page"))})


@login_required
def complaint_detail(request, pk: int):
    complaint = get_object_or_404(queries.complaints_for(request.user).select_related("order"), pk=pk)
    form = f.FollowUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.follow_up_complaint(complaint, note=form.cleaned_data["note"],
                                         close=form.cleaned_data["close"], actor=request.user)
        except services.InvalidOrder as exc:
            f.apply_errors(form, exc)
        else:
            messages.success(request, _("The follow-up was recorded."))
            return redirect("services:complaint", pk=pk)
    return render(request, "services/complaint_detail.html", {
        "complaint": complaint, "form": form,
        "can_manage": scoping.can(request.user, Action.MANAGE_SERVICES)})


@login_required
def quality(request):
    _require_services(request.user)
    return render(request, "services/quality.html", {
        "providers": queries.satisfaction_by_provider(request.user),
        "caregivers": queries.satisfaction_by_caregiver(request.user)[:50]})


# --- catalogue, caregivers, schemes, plans ------------------------------------------------
@login_required
def catalogue_page(request):
    _require_services(request.user)
    county = _county(request.user)
    if county is None:
        raise Http404
    form = f.ItemForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            catalogue.save_item(county, form.to_data(), actor=request.user)
        except services.InvalidOrder as exc:
            f.apply_errors(form, exc)
        else:
            messages.success(request, _("The item was added to the catalogue."))
            return redirect("services:catalogue")
    items = queries.catalogue(county.code, active_only=False).prefetch_related("offers__provider")
    return render(request, "services/catalogue.html", {
        "items": items, "form": form, "can_manage": scoping.can(request.user, Action.MANAGE_SERVICES)})


@login_required
def caregivers(request):
    user = request.user
    if not (scoping.can(user, Action.PROVIDE_SERVICES) or scoping.can(user, Action.MANAGE_SERVICES)):
        raise Http404
    form = f.CaregiverForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            _add_caregiver(form, user)
        except services.InvalidOrder as exc:
            f.apply_errors(form, exc)
        else:
            messages.success(request, _("The caregiver was added."))
            return redirect("services:caregivers")
    rows = catalogue.caregivers_for(user).select_related("provider").prefetch_related("certificates")
    return render(request, "services/caregivers.html", {
        "caregivers": rows, "form": form, "today": timezone.localdate(),
        "can_add": scoping.can(user, Action.PROVIDE_SERVICES),
        "certificate_form": f.CertificateForm()})


def _add_caregiver(form, user):
    caregiver = catalogue.add_caregiver(form.to_data(), actor=user)
    data = form.cleaned_data
    if data.get("certificate"):
        catalogue.add_certificate(caregiver, name=data["certificate"], number=data["certificate_number"],
                                  expires_on=data["certificate_expires"], actor=user)


@login_required
@require_POST
def certificate_add(request, pk: int):
    caregiver = get_object_or_404(catalogue.caregivers_for(request.user), pk=pk)
    form = f.CertificateForm(request.POST)
    if form.is_valid():
        try:
            catalogue.add_certificate(caregiver, actor=request.user, **form.cleaned_data)
            messages.success(request, _("The certificate was added."))
        except services.InvalidOrder as exc:
            _refused(request, exc)
    else:
        messages.error(request, _("Give the certificate's name and expiry date."))
    return redirect("services:caregivers")


@login_required
def schemes(request):
    scoping.require(request.user, Action.MANAGE_SERVICES)
    county = _county(request.user)
    form = f.SchemeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            catalogue.save_scheme(county, form.to_data(), actor=request.user)
        except services.InvalidOrder as exc:
            f.apply_errors(form, exc)
        else:
            messages.success(request, _("The scheme was saved and its entitlements computed."))
            return redirect("services:schemes")
    rows = Scheme.objects.filter(county=county).order_by("name")
    return render(request, "services/schemes.html", {"schemes": rows, "form": form})


@login_required
def scheme_detail(request, pk: int):
    scoping.require(request.user, Action.MANAGE_SERVICES)
    scheme = get_object_or_404(Scheme, pk=pk, county=_county(request.user))
    if request.method == "POST":
        result = catalogue.refresh_entitlements(scheme, actor=request.user)
        messages.success(request, _("Eligibility recomputed: %(new)s new, %(ended)s ended.") % result)
        return redirect("services:scheme", pk=pk)
    rows = scheme.entitlements.filter(active=True).select_related("elder", "elder__region")
    page = Paginator(rows.order_by("elder__name_initials", "elder_id"), 30).get_page(request.GET.get("page"))
    month = timezone.localdate().replace(day=1)
    for entitlement in page:
        entitlement.balances = [b for b in queries.balances(entitlement.elder_id, month)
                                if b.scheme == scheme.name]
    return render(request, "services/scheme_detail.html", {"scheme": scheme, "page": page, "month": month})


@login_required
def elder_home(request, elder_pk: int):
    """Where the elder lives (for the check-in distance and the map) and what the
    caregiver must know; the worker may take the phone's position on the spot."""
    elder = get_object_or_404(Elder.objects.restrict(request.user, Action.ORDER_SERVICES), pk=elder_pk)
    home = getattr(elder, "home", None)
    initial = {"lat": home.lat, "lng": home.lng, "care_notes": home.care_notes} if home else {}
    form = f.HomeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            catalogue.set_elder_home(elder, actor=request.user, **form.cleaned_data)
        except services.InvalidOrder as exc:
            f.apply_errors(form, exc)
        else:
            messages.success(request, _("The home position was saved."))
            return redirect(f"{reverse('services:order_new')}?elder={elder.pk}")
    return render(request, "services/elder_home.html", {"elder": elder, "form": form})


@login_required
def plans(request):
    _require_services(request.user)
    rows = catalogue.plans_for(request.user).select_related("elder", "item", "provider")
    return render(request, "services/plans.html", {"plans": rows[:200], "today": timezone.localdate()})


def _plan_form(data, elder, plan=None):
    initial = ({"starts_on": timezone.localdate(), "start_time": dt.time(9), "end_time": dt.time(11)}
               if plan is None else {
                   "item": plan.item_id, "provider": plan.provider_id, "weekdays": plan.weekdays,
                   "start_time": plan.start_time, "end_time": plan.end_time,
                   "starts_on": plan.starts_on, "ends_on": plan.ends_on})
    return f.PlanForm(data, items=queries.catalogue(elder.county_code + "000000"),
                      providers=queries.providers_serving(elder), initial=initial)


@login_required
def plan_new(request, elder_pk: int):
    elder = get_object_or_404(Elder.objects.restrict(request.user, Action.ORDER_SERVICES), pk=elder_pk)
    form = _plan_form(request.POST or None, elder)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                plan = catalogue.create_plan(form.to_data(elder.pk), actor=request.user)
                made = catalogue.generate_plan_orders(
                    plan, until=timezone.localdate() + catalogue.PLAN_HORIZON, actor=request.user)
        except services.InvalidOrder as exc:
            f.apply_errors(form, exc)
        else:
            messages.success(request, _("The care plan was saved; %(n)s orders for the next four weeks "
                                        "were made.") % {"n": len(made)})
            return redirect("services:plans")
    return render(request, "services/plan_new.html", {"elder": elder, "form": form})


@login_required
def plan_edit(request, pk: int):
    plan = get_object_or_404(catalogue.plans_for(request.user).select_related("elder", "item"), pk=pk)
    form = _plan_form(request.POST or None, plan.elder, plan)
    end_form = f.PlanEndForm(initial={"last_day": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            made = catalogue.update_plan(plan, form.to_data(plan.elder_id), actor=request.user)
        except services.InvalidOrder as exc:
            f.apply_errors(form, exc)
        else:
            messages.success(request, _("The care plan was changed; its waiting orders after today were "
                                        "cancelled and %(n)s new ones made.") % {"n": len(made)})
            return redirect("services:plans")
    return render(request, "services/plan_new.html", {"elder": plan.elder, "form": form, "plan": plan,
                                                       "end_form": end_form})


@login_required
@require_POST
def plan_end(request, pk: int):
    plan = get_object_or_404(catalogue.plans_for(request.user).select_related("elder", "item"), pk=pk)
    end_form = f.PlanEndForm(request.POST)
    if end_form.is_valid():
        try:
            cancelled = catalogue.end_plan(plan, end_form.cleaned_data["last_day"],
                                           end_form.cleaned_data["reason"], actor=request.user)
        except services.InvalidOrder as exc:
            f.apply_errors(end_form, exc)
        else:
            messages.success(request, _("The care plan ends after %(day)s; %(n)s orders after that day "
                                        "were cancelled.") % {"day": plan.ends_on, "n": cancelled})
            return redirect("services:plans")
    return render(request, "services/plan_new.html", {
        "elder": plan.elder, "form": _plan_form(None, plan.elder, plan), "plan": plan,
        "end_form": end_form}, status=400)


@login_required
@require_POST
def plan_generate(request, pk: int):
    plan = get_object_or_404(catalogue.plans_for(request.user), pk=pk)
    try:
        made = catalogue.generate_plan_orders(plan, until=timezone.localdate() + catalogue.PLAN_HORIZON,
                                              actor=request.user)
        messages.success(request, _("%(n)s orders were made.") % {"n": len(made)})
    except services.InvalidOrder as exc:
        _refused(request, exc)
    return redirect("services:plans")


# --- settlement ----------------------------------------------------------------------------
@login_required
def settlements(request):
    user = request.user
    rows = settlement.settlements_for(user).select_related("provider")
    if not (scoping.can(user, Action.MANAGE_SERVICES) or scoping.can(user, Action.PROVIDE_SERVICES)):
        raise Http404
    last_month = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    form = f.MonthForm(request.POST or None, initial={"month": last_month})
    if request.method == "POST" and form.is_valid():
        settlement.submit_month(_county(user), form.cleaned_data["month"], actor=user)
        return redirect("services:settlements")
    runs = list(settlement.recent_runs(user))
    for run in runs:
        run.live = live_state(run)
    return render(request, "services/settlements.html", {
        "page": Paginator(rows, 40).get_page(request.GET.get("page")), "form": form, "runs": runs,
        "can_manage": scoping.can(user, Action.MANAGE_SERVICES)})


def _settlement(request, pk: int):
    return get_object_or_404(settlement.settlements_for(request.user).select_related("provider", "county"),
                             pk=pk)


@login_required
def settlement_detail(request, pk: int):
    item = _settlement(request, pk)
    if request.method == "POST":
        scoping.require(request.user, Action.MANAGE_SERVICES)
        try:
            if request.POST.get("action") == "approve":
                settlement.approve_settlement(item, actor=request.user)
                messages.success(request, _("The settlement was approved and is now locked."))
            else:
                settlement.generate_settlement(item.provider, item.county, item.month, actor=request.user)
                messages.success(request, _("The settlement was generated again."))
        except services.InvalidOrder as exc:
            _refused(request, exc)
        return redirect("services:settlement", pk=pk)
    return render(request, "services/settlement_detail.html", {
        "settlement": item, **exports.settlement_rows(item, limit=200),
        "can_manage": scoping.can(request.user, Action.MANAGE_SERVICES)})


@login_required
def settlement_export(request, pk: int, fmt: str):
    item = _settlement(request, pk)
    if fmt not in ("xlsx", "pdf"):
        raise Http404
    settlement.record_export(item, fmt, actor=request.user)
    name = f"settlement-{item.provider_id}-{item.month:%Y-%m}.{fmt}"
    if fmt == "xlsx":
        content, kind = exports.settlement_xlsx(item), exports.XLSX
    else:
        content, kind = exports.settlement_pdf(item), "application/pdf"
    response = HttpResponse(content, content_type=kind)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def providers(request):
    _require_services(request.user)
    rows = Organisation.objects.filter(kind=OrganisationKind.PROVIDER).select_related(
        "service_profile", "service_profile__area")
    if scoping.can(request.user, Action.PROVIDE_SERVICES):
        rows = rows.filter(pk=request.user.organisation_id)
    return render(request, "services/providers.html", {"providers": rows, "review": ReviewStatus})
