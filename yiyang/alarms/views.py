"""Alarm pages. Thin: parse, scope, call one service or query, render."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yiyang.alarms import ladders, queries, services
from yiyang.alarms.choices import ActivityKind, AlarmType, DeviceKind, DeviceStatus, Outcome
from yiyang.alarms.forms import (
    CallForm,
    CloseForm,
    DeviceImportForm,
    DispatchForm,
    LadderForm,
    WorkerPhoneForm,
    ladder_data,
)
from yiyang.alarms.models import Alarm, Device, DeviceWorkItem, Notification
from yiyang.core import scoping
from yiyang.core.choices import Action, RegionLevel


def _require_console(user) -> None:
    scoping.require(user, Action.HANDLE_ALARMS)
    if not scoping.is_region_scoped(user):
        raise Http404


def _alarm(request, pk: int) -> Alarm:
    qs = Alarm.objects.restrict(request.user).select_related(
        "elder", "region", "region__parent", "acknowledged_by", "closed_by", "device")
    return get_object_or_404(qs, pk=pk)


@login_required
def index(request):
    """The operator console (or, for device managers, the device register)."""
    if not scoping.can(request.user, Action.HANDLE_ALARMS):
        if scoping.can(request.user, Action.MANAGE_DEVICES):
            return redirect("alarms:devices")
        raise Http404
    _require_console(request.user)
    return render(request, "alarms/console.html", {
        "type_labels": {value: str(label) for value, label in AlarmType.choices},
        "resync_ms": queries.resync_interval_ms(),
    })


@login_required
def card(request, pk: int):
    """The elder's card beside the alarm, personal data revealed for this purpose (audited)."""
    _require_console(request.user)
    alarm = _alarm(request, pk)
    shown = services.reveal_for_alarm(alarm, actor=request.user)
    elder = alarm.elder
    contacts = [(c, shown["contacts"].get(c.pk, c.phone_masked)) for c in elder.contacts.all()]
    return render(request, "alarms/_card.html", {
        "alarm": alarm, "elder": elder, "shown": shown, "contacts": contacts,
        "recent": queries.elder_alarms(elder.pk),
        "devices": Device.objects.filter(elder=elder).order_by("kind"),
    })


def _timeline(request, alarm: Alarm, **forms):
    contacts = list(alarm.elder.contacts.all())
    context = {
        "alarm": alarm,
        "activities": alarm.activities.select_related("actor").order_by("id"),
        "notifications": alarm.notifications.order_by("id"),
        "close_form": forms.get("close_form") or CloseForm(prefix="close"),
        "call_form": forms.get("call_form") or CallForm(prefix="call", initial={"callee": alarm.elder.name}),
        "dispatch_form": forms.get("dispatch_form") or DispatchForm(prefix="dispatch", contacts=contacts),
        "error": forms.get("error", ""),
        "kinds": ActivityKind,
    }
    return render(request, "alarms/_timeline.html", context)


@login_required
def timeline(request, pk: int):
    _require_console(request.user)
    return _timeline(request, _alarm(request, pk))


def _act(request, pk: int, operation):
    _require_console(request.user)
    try:
        error = operation()
    except services.AlarmConflict as exc:
        error = str(exc)
    return _timeline(request, _alarm(request, pk), **(error or {}))


@login_required
@require_POST
def acknowledge(request, pk: int):
    def operation():
        if not services.acknowledge(pk, actor=request.user):
            return {"error": _("Someone else has already acknowledged this alarm.")}
    return _act(request, pk, operation)


@login_required
@require_POST
def call(request, pk: int):
    def operation():
        form = CallForm(request.POST, prefix="call")
        if not form.is_valid():
            return {"call_form": form}
        services.log_call(pk, actor=request.user, **form.cleaned_data)
    return _act(request, pk, operation)


@login_required
@require_POST
def dispatch(request, pk: int):
    def operation():
        alarm = _alarm(request, pk)
        form = DispatchForm(request.POST, prefix="dispatch", contacts=list(alarm.elder.contacts.all()))
        if not form.is_valid():
            return {"dispatch_form": form}
        data = form.cleaned_data
        services.dispatch_helper(pk, actor=request.user, contact_pk=data["contact"], name=data["name"],
                                 phone=data["phone"])
    return _act(request, pk, operation)


@login_required
@require_POST
def arrived(request, pk: int):
    return _act(request, pk, lambda: services.mark_arrived(pk, actor=request.user))


@login_required
@require_POST
def close(request, pk: int):
    def operation():
        form = CloseForm(request.POST, prefix="close")
        if not form.is_valid():
            return {"close_form": form}
        services.close_alarm(pk, actor=request.user, **form.cleaned_data)
    return _act(request, pk, operation)


def respond(request, token: str):
    """The small phone page of a neighbour or relative: 'I am going', 'I have arrived'."""
    note = get_object_or_404(Notification.objects.select_related("alarm", "alarm__elder", "alarm__region"),
                             token=token)
    error = ""
    if request.method == "POST":
        try:
            services.respond(token, request.POST.get("action", ""))
            return redirect("alarms:respond", token=token)
        except services.AlarmConflict as exc:
            error = str(exc)
    return render(request, "alarms/respond.html", {"note": note, "alarm": note.alarm, "error": error})


# --- devices -----------------------------------------------------------------------------
def _devices(request):
    qs = Device.objects.restrict(request.user)
    if not scoping.can(request.user, Action.MANAGE_DEVICES) and not scoping.can(
            request.user, Action.HANDLE_ALARMS):
        raise Http404
    return qs


@login_required
def devices(request):
    qs = _devices(request).select_related("elder", "region")
    status, kind = request.GET.get("status", ""), request.GET.get("kind", "")
    if status in DeviceStatus.values:
        qs = qs.filter(status=status)
    if kind in DeviceKind.values:
        qs = qs.filter(kind=kind)
    work = DeviceWorkItem.objects.restrict(request.user, Action.MANAGE_DEVICES).filter(
        status="open").select_related("device", "device__elder", "region")
    return render(request, "alarms/devices.html", {
        "page": Paginator(qs.order_by("region", "serial"), 50).get_page(request.GET.get("page")),
        "counts": queries.device_counts(_devices(request)),
        "work_items": work[:50], "status": status, "kind": kind,
        "statuses": DeviceStatus.choices, "kinds": DeviceKind.choices,
        "can_manage": scoping.can(request.user, Action.MANAGE_DEVICES),
    })


@login_required
def device_detail(request, pk: int):
    device = get_object_or_404(_devices(request).select_related("elder", "region"), pk=pk)
    return render(request, "alarms/device_detail.html", {
        "device": device, "events": queries.recent_events(device),
        "alarms": device.alarms.order_by("-raised_at")[:10],
        "work_items": device.work_items.order_by("-opened_at")[:10],
        "can_manage": scoping.can(request.user, Action.MANAGE_DEVICES),
        "new_key": request.session.pop(f"device-key-{pk}", ""),
    })


@login_required
@require_POST
def device_credential(request, pk: int):
    key = services.issue_credential(pk, actor=request.user)
    request.session[f"device-key-{pk}"] = key
    messages.success(request, _("A new credential was issued. Copy it now: it is shown only once."))
    return redirect("alarms:device", pk=pk)


@login_required
@require_POST
def work_item_done(request, pk: int):
    services.close_work_item(pk, actor=request.user, note=request.POST.get("note", ""))
    messages.success(request, _("Work item marked done."))
    return redirect("alarms:devices")


@login_required
def device_import(request):
    scoping.require(request.user, Action.MANAGE_DEVICES)
    form = DeviceImportForm(request.POST or None, request.FILES or None, user=request.user)
    created = []
    if request.method == "POST" and form.is_valid():
        created = services.import_devices(form.rows, actor=request.user)
        messages.success(request, _("%(n)s devices registered.") % {"n": len(created)})
    return render(request, "alarms/device_import.html", {"form": form, "created": created})


# --- figures -------------------------------------------------------------------------------
def parse_period(request) -> tuple[dt.date, dt.date]:
    today = timezone.localdate()
    try:
        start = dt.date.fromisoformat(request.GET.get("start", ""))
    except ValueError:
        start = today.replace(day=1)
    try:
        end = dt.date.fromisoformat(request.GET.get("end", ""))
    except ValueError:
        end = today + dt.timedelta(days=1)
    return start, max(end, start + dt.timedelta(days=1))


@login_required
def figures(request):
    user = request.user
    if not (scoping.can(user, Action.HANDLE_ALARMS) or scoping.can(user, Action.VIEW_DASHBOARD)):
        raise Http404
    action = Action.HANDLE_ALARMS if scoping.can(user, Action.HANDLE_ALARMS) else Action.VIEW_DASHBOARD
    start, end = parse_period(request)
    data = queries.figures(Alarm.objects.restrict(user, action), Device.objects.restrict(user, action),
                           start, end)
    return render(request, "alarms/figures.html", {
        "f": data, "start": start, "end": end,
        "type_rows": [(AlarmType(t).label, n) for t, n in sorted(data["by_type"].items())],
        "outcome_rows": [(Outcome(o).label, n) for o, n in sorted(data["by_outcome"].items())],
    })


# --- escalation ladders ----------------------------------------------------------------------
@login_required
def ladder_home(request):
    ladders.require_view(request.user)
    return redirect("alarms:ladder", code=request.user.scope_region_id)


@login_required
def ladder(request, code: str):
    """A region's ladder (own or inherited), its children's, and the form to change it."""
    region = ladders.region_for(request.user, code)
    current = ladders.applied(region)
    form = None
    if ladders.may_edit(request.user):
        has_phone = bool(current.own and current.own.supervisor_phone_enc)
        form = LadderForm(request.POST or None, has_phone=has_phone, initial=_ladder_initial(current))
        if request.method == "POST" and form.is_valid():
            created = ladders.save_ladder(code, ladder_data(form), actor=request.user)[1]
            done = _("The ladder of %(region)s was created.") if created else _(
                "The ladder of %(region)s was saved.")
            messages.success(request, done % {"region": region.name})
            return redirect("alarms:ladder", code=code)
    elif request.method == "POST":
        raise Http404
    return render(request, "alarms/ladder.html", _ladder_context(request, region, current, form))


def _ladder_initial(current) -> dict:
    ladder = current.ladder
    return {"ack_target_s": ladder.ack_target_s, "neighbours_after_s": ladder.neighbours_after_s,
            "family_after_s": ladder.family_after_s, "supervisor_name": ladder.supervisor_name}


def _ladder_context(request, region, current, form) -> dict:
    user = request.user
    children = list(scoping.visible_regions(user).children_of(region))
    trail = [r for r in region.ancestors() if r.code.startswith(user.scope_prefix or "-")]
    is_village = region.level == RegionLevel.VILLAGE
    workers = ladders.notified_workers(region) if is_village else []
    return {
        "region": region, "current": current, "source": ladders.describe_source(current),
        "children": [(item, ladders.describe_source(item))
                     for item in ladders.applied_to_children(region, current, children)],
        "own_ladders": ladders.own_ladders(user)[:200], "trail": trail, "form": form,
        "can_edit": ladders.may_edit(user), "can_reveal": scoping.may_reveal(user, "phone"),
        "can_reveal_supervisor": scoping.may_reveal(user, "phone") and scoping.region_in_scope(
            user, current.source),
        "workers": workers, "is_village": is_village,
    }


@login_required
@require_POST
def ladder_delete(request, code: str):
    now = ladders.delete_ladder(code, actor=request.user)
    messages.success(request, _("%(region)s now follows %(source)s.") % {
        "region": now.region.name, "source": ladders.describe_source(now)})
    return redirect("alarms:ladder", code=code)


@login_required
@require_POST
def ladder_reveal(request, code: str):
    value = ladders.reveal_supervisor_phone(code, actor=request.user)
    return HttpResponse(format_html('<span class="revealed">{}</span>', value or "—"))


@login_required
@require_POST
def worker_phone(request, code: str, pk: int):
    ladders.require_edit(request.user)
    form = WorkerPhoneForm(request.POST, prefix="worker")
    if form.is_valid():
        worker = ladders.set_worker_phone(pk, form.cleaned_data["phone"], actor=request.user)
        messages.success(request, _("The phone of %(name)s was saved.") % {"name": worker})
    else:
        messages.error(request, "; ".join(form.errors["phone"]))
    return redirect("alarms:ladder", code=code)


@login_required
@require_POST
def worker_reveal(request, pk: int):
    value = ladders.reveal_worker_phone(pk, actor=request.user)
    return HttpResponse(format_html('<span class="revealed">{}</span>', value or "—"))
