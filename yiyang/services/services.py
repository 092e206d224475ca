"""Writes to orders and visits: one function per operation, one transaction each, the
order re-read under a lock through the actor's scope (404 outside it), the audit
log written, the dashboard's day figures refreshed on commit.

created → accepted → assigned → on the way → in service → done → confirmed, or
cancelled (with a reason) while still open. Government-paid hours and amounts are
allocated from the elder's entitlement when the order is made (so the person
ordering sees what is covered) and released when it is cancelled or rejected.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from yiyang.core import audit
from yiyang.core.choices import Action, AuditAction, OrganisationKind
from yiyang.core.models import Organisation
from yiyang.elders.choices import GrantKind
from yiyang.elders.models import Elder, ElderGrant
from yiyang.lib.masking import mask_phone
from yiyang.services import checks, geo, notify, stats
from yiyang.services.choices import (
    Channel,
    ComplaintStatus,
    ConfirmMethod,
    Flag,
    OrderStatus,
    ReviewStatus,
    SchemeBasis,
    Unit,
)
from yiyang.services.conf import conf
from yiyang.services.models import (
    Caregiver,
    Complaint,
    ElderHome,
    Entitlement,
    Order,
    OrderItem,
    ProviderOffer,
    ProviderProfile,
    Rating,
    ServiceItem,
    VisitPhoto,
)
from yiyang.services.querysets import next_month

CENT = Decimal("0.01")
MAX_SIGNATURE_CHARS = 300_000
MAX_PHOTO_BYTES = 5 * 1024 * 1024


class InvalidOrder(Exception):
    """Refused input or step, as {field: [messages]} ("status" for the workflow)."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(m for ms in errors.values() for m in ms))
        self.errors = errors


def _refuse(field_name: str, message: str):
    raise InvalidOrder({field_name: [message]})


@dataclass
class Line:
    item_id: int
    quantity: Decimal = Decimal(1)


@dataclass
class OrderData:
    """Validated input for a new order (see forms.OrderForm and the API)."""

    elder_id: int
    provider_id: int
    window_start: dt.datetime
    window_end: dt.datetime
    lines: list[Line] = field(default_factory=list)
    channel: str = Channel.COMMUNITY
    note: str = ""


@dataclass
class Position:
    lat: float | None = None
    lng: float | None = None
    accuracy_m: float | None = None


def money(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


# --- ordering ----------------------------------------------------------------------
@transaction.atomic
def create_order(data: OrderData, *, actor, plan=None, allow_past: bool = False) -> Order:
    """Order a visit for an elder in the actor's reach, from a provider that serves the
    elder's area and offers every item. allow_past is for care plans and the demo."""
    elder = _orderable_elder(data.elder_id, actor)
    provider = _provider_for(elder, data.provider_id)
    _check_window(data.window_start, data.window_end, allow_past)
    lines = _priced_lines(elder, provider, data.lines)
    order = Order(
        elder=elder, region_code=elder.region_id, town_code=elder.region_id[:9],
        county_code=elder.region_id[:6], provider=provider, plan=plan,
        channel=data.channel, created_by=actor if actor and actor.pk else None,
        note=data.note.strip()[:300], window_start=data.window_start, window_end=data.window_end,
        service_date=timezone.localtime(data.window_start).date(),
        planned_minutes=sum(line.minutes for line in lines),
        hours=money(sum(Decimal(line.minutes) for line in lines) / 60),
        total_amount=money(sum(line.amount for line in lines)),
    )
    _allocate(order, [line.item for line in lines])
    order.save()
    for line in lines:
        line.order = order
    OrderItem.objects.bulk_create(lines)
    _grant(elder, kind=GrantKind.PROVIDER, organisation=provider)
    audit.record(AuditAction.CREATE, actor=actor, obj=order, region_code=order.region_code,
                 changes={"items": [str(line.item) for line in lines], "provider": str(provider),
                          "total": str(order.total_amount), "gov": str(order.gov_amount)})
    stats.refresh_order(order)
    return order


def _orderable_elder(elder_id: int, actor) -> Elder:
    try:
        elder = Elder.objects.restrict(actor, Action.ORDER_SERVICES).select_for_update().get(pk=elder_id)
    except Elder.DoesNotExist as exc:
        raise Http404 from exc
    if not elder.is_active:
        _refuse("elder", _("Only an active elder can be served."))
    return elder


def _provider_for(elder: Elder, provider_id: int) -> Organisation:
    profile = (ProviderProfile.objects.select_related("organisation", "area")
               .filter(organisation_id=provider_id, organisation__kind=OrganisationKind.PROVIDER)
               .first())
    if profile is None:
        _refuse("provider", _("Choose a service provider."))
    if not profile.serves(elder.region_id):
        _refuse("provider", _("%(provider)s does not serve the elder's area.")
                % {"provider": profile.organisation})
    return profile.organisation


def _check_window(start: dt.datetime, end: dt.datetime, allow_past: bool) -> None:
    if end <= start:
        _refuse("window_end", _("The end of the time window must be after its start."))
    if end - start > dt.timedelta(hours=12):
        _refuse("window_end", _("A visit's time window is at most 12 hours."))
    if not allow_past and end < timezone.now():
        _refuse("window_start", _("The time window is already over."))


def _priced_lines(elder: Elder, provider: Organisation, wanted: list[Line]) -> list[OrderItem]:
    if not wanted:
        _refuse("items", _("Choose at least one service."))
    ids = [line.item_id for line in wanted]
    if len(set(ids)) != len(ids):
        _refuse("items", _("Each service appears once; give its quantity instead."))
    items = ServiceItem.objects.filter(pk__in=ids, county_id=elder.county_code + "000000", active=True)
    items = {item.pk: item for item in items}
    offers = dict(ProviderOffer.objects.filter(provider=provider, item_id__in=ids)
                  .values_list("item_id", "price"))
    lines = []
    for line in wanted:
        item = items.get(line.item_id)
        if item is None:
            _refuse("items", _("A chosen service is not in this county's catalogue."))
        if item.pk not in offers:
            _refuse("items", _("%(provider)s does not offer %(item)s.")
                    % {"provider": provider, "item": item})
        quantity = Decimal(line.quantity)
        if quantity <= 0 or quantity > 24:
            _refuse("items", _("The quantity of %(item)s must be between 0 and 24.") % {"item": item})
        minutes = int(quantity * 60) if item.unit == Unit.HOUR else int(quantity * item.standard_minutes)
        lines.append(OrderItem(item=item, quantity=quantity, unit_price=offers[item.pk],
                               amount=money(quantity * offers[item.pk]), minutes=minutes))
    return lines


def _allocate(order: Order, items: list[ServiceItem]) -> None:
    """Split the order into government-paid and self-paid from the elder's monthly
    balance (the entitlement row is locked, so two orders cannot both take the rest)."""
    order.entitlement, order.gov_hours, order.gov_amount = None, Decimal(0), Decimal(0)
    order.self_amount = order.total_amount
    categories = {item.category for item in items}
    entitlements = (Entitlement.objects.select_for_update().select_related("scheme")
                    .filter(elder=order.elder, active=True, scheme__active=True).order_by("id"))
    entitlement = next((e for e in entitlements if all(e.scheme.covers(c) for c in categories)), None)
    if entitlement is None or order.total_amount <= 0:
        return
    month = order.service_date.replace(day=1)
    used = used_in_month(entitlement, month, exclude=order.pk)
    scheme = entitlement.scheme
    if scheme.basis == SchemeBasis.HOURS:
        hours = min(order.hours, max(scheme.monthly_quota - used["hours"], Decimal(0)))
        amount = money(order.total_amount * hours / order.hours) if order.hours else Decimal(0)
    else:
        amount = min(order.total_amount, max(scheme.monthly_quota - used["amount"], Decimal(0)))
        hours = money(order.hours * amount / order.total_amount)
    order.entitlement = entitlement
    order.gov_hours, order.gov_amount = money(hours), money(amount)
    order.self_amount = order.total_amount - order.gov_amount


def used_in_month(entitlement: Entitlement, month: dt.date, exclude: int | None = None) -> dict:
    orders = Order.objects.filter(entitlement=entitlement).in_month(month).counted()
    if exclude:
        orders = orders.exclude(pk=exclude)
    totals = orders.aggregate(hours=Sum("gov_hours"), amount=Sum("gov_amount"))
    return {"hours": totals["hours"] or Decimal(0), "amount": totals["amount"] or Decimal(0)}


def _grant(elder: Elder, *, kind: str, organisation=None, user=None) -> None:
    """Let the provider (or caregiver) see the elder in the registry too."""
    holder = {"organisation": organisation} if organisation is not None else {"user": user}
    if not ElderGrant.objects.filter(elder=elder, kind=kind, **holder).exists():
        ElderGrant.objects.create(elder=elder, kind=kind, **holder)


# --- the provider ----------------------------------------------------------------------
@transaction.atomic
def accept_order(order: Order, *, actor) -> Order:
    order = _locked(order.pk, actor, Action.PROVIDE_SERVICES)
    _require_status(order, OrderStatus.CREATED)
    order.status, order.accepted_at = OrderStatus.ACCEPTED, timezone.now()
    return _saved(order, actor, "accepted", ["status", "accepted_at"])


@transaction.atomic
def assign_caregiver(order: Order, caregiver: Caregiver, *, actor) -> Order:
    """Give the visit to one of the provider's caregivers (again, to change who goes)."""
    order = _locked(order.pk, actor, Action.PROVIDE_SERVICES)
    _require_status(order, OrderStatus.ACCEPTED, OrderStatus.ASSIGNED)
    caregiver = Caregiver.objects.filter(pk=caregiver.pk, provider=order.provider, active=True).first()
    if caregiver is None:
        _refuse("caregiver", _("Choose an active caregiver of this provider."))
    missing = missing_skills(caregiver, order)
    if missing:
        _refuse("caregiver", _("%(name)s lacks the skills this visit needs: %(skills)s.")
                % {"name": caregiver, "skills": ", ".join(missing)})
    if not checks.has_valid_certificate(caregiver.pk, order.service_date):
        _refuse("caregiver", _("%(name)s has no certificate valid on the day of the visit.")
                % {"name": caregiver})
    order.caregiver, order.status, order.assigned_at = caregiver, OrderStatus.ASSIGNED, timezone.now()
    if caregiver.user_id:
        _grant(order.elder, kind=GrantKind.CAREGIVER, user=caregiver.user)
    return _saved(order, actor, f"assigned to {caregiver}", ["caregiver", "status", "assigned_at"])


def missing_skills(caregiver: Caregiver, order: Order) -> list[str]:
    from yiyang.services.choices import Skill

    needed = {skill for line in order.lines.select_related("item") for skill in line.item.skills}
    return [str(Skill(s).label) if s in Skill.values else s for s in sorted(needed - set(caregiver.skills))]


@dataclass
class OrderChange:
    """New services, window and note for an order nobody has set out for yet."""

    window_start: dt.datetime
    window_end: dt.datetime
    lines: list[Line] = field(default_factory=list)
    note: str = ""


CHANGEABLE_STATUSES = (OrderStatus.CREATED, OrderStatus.ACCEPTED, OrderStatus.ASSIGNED)


@transaction.atomic
def change_order(order: Order, change: OrderChange, *, actor) -> Order:
    """Change what is ordered and when, before anyone sets out. New services or a new
    time go back to the provider (an accepted order is accepted again, its caregiver
    assigned again); a new note alone leaves the order where it is. The entitlement
    split is made again with the order's own previous share given back."""
    order = _locked(order.pk, actor, Action.ORDER_SERVICES)
    if order.status not in CHANGEABLE_STATUSES:
        _refuse("status", _("Only an order nobody has set out for can be changed."))
    _check_window(change.window_start, change.window_end, allow_past=False)
    lines = _priced_lines(order.elder, order.provider, change.lines)
    before, old_day = _terms(order, order.lines.select_related("item")), order.service_date
    order.window_start, order.window_end = change.window_start, change.window_end
    order.service_date = timezone.localtime(change.window_start).date()
    order.note = change.note.strip()[:300]
    order.planned_minutes = sum(line.minutes for line in lines)
    order.hours = money(sum(Decimal(line.minutes) for line in lines) / 60)
    order.total_amount = money(sum(line.amount for line in lines))
    after = _terms(order, lines)
    if before["items"] != after["items"] or before["window"] != after["window"]:
        order.status, order.caregiver = OrderStatus.CREATED, None
        order.accepted_at = order.assigned_at = None
    _allocate(order, [line.item for line in lines])
    order.save()
    order.lines.all().delete()
    for line in lines:
        line.order = order
    OrderItem.objects.bulk_create(lines)
    audit.record(AuditAction.UPDATE, actor=actor, obj=order, region_code=order.region_code,
                 changes={key: [before[key], after[key]] for key in after if before[key] != after[key]},
                 detail=f"order changed; status {order.status}")
    stats.refresh_order(order)
    if old_day != order.service_date:
        transaction.on_commit(lambda: stats.refresh(old_day, order.region_code))
    return order


def _terms(order: Order, lines) -> dict:
    window = (f"{timezone.localtime(order.window_start):%Y-%m-%d %H:%M}–"
              f"{timezone.localtime(order.window_end):%H:%M}")
    return {"items": sorted(f"{line.item} × {Decimal(line.quantity):.2f}" for line in lines),
            "window": window, "note": order.note}


@transaction.atomic
def cancel_order(order: Order, reason: str, *, actor) -> Order:
    """Cancel an open order, saying why (the provider declining it, too)."""
    order = _locked(order.pk, actor, None)
    if order.caregiver_id and order.caregiver.user_id == actor.pk:
        _refuse("status", _("A caregiver cannot cancel a visit; ask the provider."))
    if not order.is_open:
        _refuse("status", _("Only an order not yet delivered can be cancelled."))
    reason = (reason or "").strip()
    if not reason:
        _refuse("reason", _("Say why the order is cancelled."))
    order.status, order.cancelled_at = OrderStatus.CANCELLED, timezone.now()
    order.cancel_reason = reason[:200]
    return _saved(order, actor, f"cancelled: {reason}", ["status", "cancelled_at", "cancel_reason"])


# --- the caregiver on site -------------------------------------------------------------
@transaction.atomic
def set_out(order: Order, *, actor) -> Order:
    order = _locked(order.pk, actor, Action.VISIT)
    _require_status(order, OrderStatus.ASSIGNED)
    order.status, order.on_way_at = OrderStatus.ON_THE_WAY, timezone.now()
    return _saved(order, actor, "on the way", ["status", "on_way_at"])


@transaction.atomic
def check_in(order: Order, position: Position, *, actor, at: dt.datetime | None = None) -> Order:
    """Arrive: the time and the phone's position (the distance to home is kept)."""
    order = _locked(order.pk, actor, Action.VISIT)
    _require_status(order, OrderStatus.ASSIGNED, OrderStatus.ON_THE_WAY)
    at = at or timezone.now()
    if at > timezone.now() + dt.timedelta(minutes=5):
        _refuse("at", _("A check-in cannot be in the future."))
    order.checkin_at = at
    order.checkin_lat, order.checkin_lng, order.checkin_accuracy_m = _position(position)
    order.checkin_distance_m = _distance_home(order)
    order.status = OrderStatus.IN_SERVICE
    return _saved(order, actor, f"checked in ({order.checkin_distance_m} m from home)",
                  ["checkin_at", "checkin_lat", "checkin_lng", "checkin_accuracy_m",
                   "checkin_distance_m", "status"])


@transaction.atomic
def record_log(order: Order, *, items: list[int], notes: str, actor) -> Order:
    """Save the service log while on site (what was done, notes)."""
    order = _locked(order.pk, actor, Action.VISIT)
    _require_status(order, OrderStatus.IN_SERVICE)
    order.log_items, order.log_notes = _log_items(order, items), (notes or "").strip()[:2000]
    return _saved(order, actor, "service log", ["log_items", "log_notes"])


@transaction.atomic
def check_out(order: Order, position: Position, *, actor, items: list[int] | None = None,
              notes: str | None = None, at: dt.datetime | None = None) -> Order:
    """Leave: the time and position; the visit is checked and is done."""
    order = _locked(order.pk, actor, Action.VISIT)
    if order.checkin_at is None:
        _refuse("status", _("Check in before checking out."))
    _require_status(order, OrderStatus.IN_SERVICE)
    at = at or timezone.now()
    if at < order.checkin_at:
        _refuse("at", _("The check-out cannot be before the check-in."))
    if items is not None:
        order.log_items = _log_items(order, items)
    if notes is not None:
        order.log_notes = notes.strip()[:2000]
    order.checkout_at = at
    order.checkout_lat, order.checkout_lng, _accuracy = _position(position)
    order.actual_minutes = int((at - order.checkin_at).total_seconds() // 60)
    order.status = OrderStatus.DONE
    order.flags = checks.visit_flags(order)
    order.review_status = checks.review_status_for(order.flags, order.review_status)
    return _saved(order, actor, f"checked out after {order.actual_minutes} min",
                  ["checkout_at", "checkout_lat", "checkout_lng", "actual_minutes", "status",
                   "flags", "review_status", "log_items", "log_notes"])


@transaction.atomic
def add_photo(order: Order, upload, *, actor) -> VisitPhoto:
    order = _locked(order.pk, actor, Action.VISIT)
    _require_status(order, OrderStatus.IN_SERVICE, OrderStatus.DONE)
    if upload.size > MAX_PHOTO_BYTES:
        _refuse("photo", _("A photo is at most 5 MB."))
    if not (getattr(upload, "content_type", "") or "").startswith("image/"):
        _refuse("photo", _("Upload a photo (an image file)."))
    photo = VisitPhoto(order=order)
    photo.image.save(f"{order.pk}-{secrets.token_hex(4)}.jpg", upload, save=True)
    audit.record(AuditAction.UPDATE, actor=actor, obj=order, region_code=order.region_code,
                 detail="photo added")
    return photo


def _position(position: Position) -> tuple:
    if position is None or position.lat is None or position.lng is None:
        return None, None, None
    if not geo.valid_position(position.lat, position.lng):
        _refuse("position", _("The position is not a valid latitude and longitude."))
    return position.lat, position.lng, position.accuracy_m


def _distance_home(order: Order) -> int | None:
    home = ElderHome.objects.filter(elder_id=order.elder_id).first()
    if home is None or order.checkin_lat is None:
        return None
    return round(geo.distance_m(order.checkin_lat, order.checkin_lng, home.lat, home.lng))


def _log_items(order: Order, items: list[int]) -> list[int]:
    allowed = set(order.lines.values_list("item_id", flat=True))
    chosen = [int(i) for i in items]
    if not set(chosen) <= allowed:
        _refuse("items", _("Only the services of this order can be logged."))
    return sorted(set(chosen))


# --- confirmation by the elder or family ----------------------------------------------
@transaction.atomic
def send_code(order: Order, *, actor) -> str:
    """Text a one-time code to the family's phone (the first contact, else the elder's);
    returns the masked number it went to."""
    order = _locked(order.pk, actor, None)
    _require_status(order, OrderStatus.DONE)
    phone = family_phone(order.elder)
    if not phone:
        _refuse("code", _("There is no phone number to send a code to; confirm by signature."))
    code = f"{secrets.randbelow(1_000_000):06d}"
    order.code_hash = _code_hash(order.pk, code)
    order.code_expires = timezone.now() + dt.timedelta(minutes=conf().code_minutes)
    order.code_attempts = 0
    order.save(update_fields=["code_hash", "code_expires", "code_attempts", "last_updated"])
    notify.send_text(phone, _("[Yiyang] Code %(code)s confirms today's %(items)s visit for %(name)s. "
                              "Give it to the caregiver only if the service was done.")
                     % {"code": code, "items": "、".join(str(line.item) for line in order.lines.all()),
                        "name": order.elder.name})
    audit.record(AuditAction.UPDATE, actor=actor, obj=order, region_code=order.region_code,
                 detail=f"confirmation code sent to {mask_phone(phone)}")
    return mask_phone(phone)


def family_phone(elder: Elder) -> str:
    contact = elder.contacts.order_by("position", "id").first()
    return contact.phone if contact is not None else elder.phone


def confirm_with_code(order: Order, code: str, *, actor) -> Order:
    """Confirm with the code the family received; a wrong code counts as an attempt."""
    confirmed = _try_code(order.pk, code, actor)
    if confirmed is None:
        _refuse("code", _("The code is wrong."))
    return confirmed


@transaction.atomic
def _try_code(pk: int, code: str, actor) -> Order | None:
    order = _locked(pk, actor, None)
    _require_status(order, OrderStatus.DONE)
    if not order.code_hash or order.code_expires < timezone.now():
        _refuse("code", _("No valid code: send a new one."))
    if order.code_attempts >= conf().code_attempts:
        _refuse("code", _("Too many wrong codes: send a new one."))
    if not hmac.compare_digest(order.code_hash, _code_hash(order.pk, (code or "").strip())):
        order.code_attempts += 1
        order.save(update_fields=["code_attempts"])
        return None
    order.code_hash = ""
    return _confirm(order, ConfirmMethod.CODE, actor)


@transaction.atomic
def confirm_with_signature(order: Order, signature: str, *, actor) -> Order:
    order = _locked(order.pk, actor, Action.VISIT)
    _require_status(order, OrderStatus.DONE)
    if not (signature or "").startswith("data:image/png;base64,") or len(signature) < 200:
        _refuse("signature", _("Ask the elder or family to sign on the screen."))
    if len(signature) > MAX_SIGNATURE_CHARS:
        _refuse("signature", _("The signature image is too large."))
    order.signature = signature
    return _confirm(order, ConfirmMethod.SIGNATURE, actor)


def _confirm(order: Order, method: str, actor) -> Order:
    order.status, order.confirmed_at, order.confirm_method = OrderStatus.CONFIRMED, timezone.now(), method
    if order.flags & Flag.NOT_CONFIRMED and order.review_status == ReviewStatus.PENDING:
        order.flags &= ~Flag.NOT_CONFIRMED
        order.review_status = checks.review_status_for(order.flags, ReviewStatus.NONE)
    return _saved(order, actor, f"confirmed by {method}",
                  ["status", "confirmed_at", "confirm_method", "signature", "code_hash", "flags",
                   "review_status"])


def _code_hash(order_id: int, code: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"order:{order_id}:{code}".encode(),
                    hashlib.sha256).hexdigest()


# --- rating, complaints, review ---------------------------------------------------------
@transaction.atomic
def rate_order(order: Order, score: int, comment: str = "", *, actor, complaint: str = "") -> Rating:
    """The elder's or family's rating (1–5) of a delivered visit; a complaint opens a case."""
    order = _locked(order.pk, actor, Action.ORDER_SERVICES)
    _require_status(order, OrderStatus.DONE, OrderStatus.CONFIRMED)
    if not 1 <= int(score) <= 5:
        _refuse("score", _("Give 1 to 5 stars."))
    if Rating.objects.filter(order=order).exists():
        _refuse("score", _("This visit has already been rated."))
    rating = Rating.objects.create(order=order, score=int(score), comment=(comment or "").strip()[:300],
                                   rated_by=actor, provider=order.provider, caregiver=order.caregiver)
    audit.record(AuditAction.CREATE, actor=actor, obj=rating, region_code=order.region_code,
                 detail=f"rated {score}")
    if complaint.strip():
        _open_complaint(order, complaint, actor)
    stats.refresh_order(order)
    return rating


@transaction.atomic
def file_complaint(order: Order, text: str, *, actor) -> Complaint:
    order = _locked(order.pk, actor, Action.ORDER_SERVICES)
    if not (text or "").strip():
        _refuse("text", _("Say what went wrong."))
    return _open_complaint(order, text, actor)


def _open_complaint(order: Order, text: str, actor) -> Complaint:
    complaint = Complaint.objects.create(order=order, text=text.strip()[:2000], filed_by=actor,
                                         region_code=order.region_code)
    audit.record(AuditAction.CREATE, actor=actor, obj=complaint, region_code=order.region_code,
                 detail="complaint")
    return complaint


@transaction.atomic
def follow_up_complaint(complaint: Complaint, *, note: str, close: bool, actor) -> Complaint:
    """The bureau's follow-up note; closing needs the note as the resolution."""
    from yiyang.services.queries import complaints_for

    try:
        complaint = complaints_for(actor, Action.MANAGE_SERVICES).select_for_update().get(pk=complaint.pk)
    except Complaint.DoesNotExist as exc:
        raise Http404 from exc
    note = (note or "").strip()
    if complaint.status == ComplaintStatus.CLOSED:
        _refuse("status", _("This complaint is closed."))
    if not note:
        _refuse("note", _("Write what was done."))
    stamp = f"{timezone.localtime():%Y-%m-%d %H:%M} {actor}: {note}"
    complaint.notes = f"{complaint.notes}\n{stamp}".strip()
    if close:
        complaint.status, complaint.resolution = ComplaintStatus.CLOSED, note
        complaint.closed_at, complaint.closed_by = timezone.now(), actor
    else:
        complaint.status = ComplaintStatus.HANDLING
    complaint.save()
    audit.record(AuditAction.STATUS, actor=actor, obj=complaint, region_code=complaint.region_code,
                 detail=f"{complaint.status}: {note}"[:500])
    return complaint


@transaction.atomic
def review_visit(order: Order, *, accept: bool, reason: str, actor) -> Order:
    """A bureau worker's decision on a flagged visit: paid (accepted) or not (rejected)."""
    order = _locked(order.pk, actor, Action.MANAGE_SERVICES)
    if order.review_status not in (ReviewStatus.PENDING, ReviewStatus.ACCEPTED, ReviewStatus.REJECTED):
        _refuse("status", _("Only a flagged visit is reviewed."))
    if order.settlement is not None and order.settlement.is_locked:
        _refuse("status", _("This visit is in an approved settlement and can no longer change."))
    reason = (reason or "").strip()
    if not reason:
        _refuse("reason", _("Give the reason for the decision."))
    order.review_status = ReviewStatus.ACCEPTED if accept else ReviewStatus.REJECTED
    order.review_reason, order.reviewed_by, order.reviewed_at = reason[:200], actor, timezone.now()
    return _saved(order, actor, f"review {order.review_status}: {reason}",
                  ["review_status", "review_reason", "reviewed_by", "reviewed_at"])


# --- helpers ---------------------------------------------------------------------------
def _locked(pk: int, actor, action: str | None) -> Order:
    try:
        return (Order.objects.restrict(actor, action).select_for_update(of=("self",))
                .select_related("elder", "caregiver", "settled__settlement").get(pk=pk))
    except Order.DoesNotExist as exc:
        raise Http404 from exc


def _require_status(order: Order, *allowed: str) -> None:
    if order.status not in allowed:
        _refuse("status", _("This step is not possible: the order is %(status)s.")
                % {"status": order.get_status_display()})


def _saved(order: Order, actor, detail: str, fields: list[str]) -> Order:
    order.save(update_fields=[*fields, "last_updated"])
    audit.record(AuditAction.STATUS, actor=actor, obj=order, region_code=order.region_code,
                 detail=detail[:500], changes={"status": [None, order.status]})
    stats.refresh_order(order)
    return order


def month_bounds(month: dt.date) -> tuple[dt.date, dt.date]:
    month = month.replace(day=1)
    return month, next_month(month)
