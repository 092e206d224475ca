"""Registry pages. Thin: parse, scope, call a service or query, render."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yiyang.assessment import queries as assessment_queries
from yiyang.core import scoping
from yiyang.core.choices import Action, PersonalField
from yiyang.core.models import AuditLog, Region
from yiyang.elders import access, exports, lookup, queries, services, stats
from yiyang.elders.choices import Category
from yiyang.elders.forms import ContactFormSet, ElderForm, LinkAccountForm, StatusForm
from yiyang.elders.models import Elder, EmergencyContact
from yiyang.elders.querysets import is_personal_term


def _page_number(request) -> int:
    try:
        return int(request.GET.get("page", 1))
    except ValueError:
        return 1


@login_required
def elder_list(request):
    form, filters, found = lookup.registry_filters(request)
    page = queries.page_of(queries.elder_list(request.user, filters), _page_number(request))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "elders/elder_list.html", {
        "form": form, "page": page, "query": query.urlencode(), "found": found,
        "can_add": scoping.can(request.user, Action.ADD),
        "can_export": scoping.can(request.user, Action.EXPORT),
    })


@login_required
@require_POST
def elder_lookup(request):
    """An ID or phone number searched without leaving it in the URL (elders/lookup.py)."""
    term = request.POST.get("q", "")
    token = lookup.remember(request.session, term) if is_personal_term(term) else ""
    return redirect(f"{reverse('elders:list')}?{urlencode(lookup.list_query(request.POST, token))}")


@login_required
def elder_export(request):
    """The filtered list as CSV, personal fields masked; the export is audited."""
    scoping.require(request.user, Action.EXPORT)
    _form, filters, _found = lookup.registry_filters(request)
    qs = queries.elder_list(request.user, filters)
    exports.record_export(request.user, filters, qs.count())
    response = StreamingHttpResponse(exports.csv_lines(qs), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="elders.csv"'
    return response


def _visible_elder(request, pk: int, action: str = Action.VIEW) -> Elder:
    return get_object_or_404(Elder.objects.restrict(request.user, action), pk=pk)


@login_required
def elder_detail(request, pk: int):
    return _render_detail(request, _visible_elder(request, pk))


def _render_detail(request, elder: Elder, link_form: LinkAccountForm | None = None):
    history = AuditLog.objects.filter(object_type="elders.elder", object_id=str(elder.pk))
    user = request.user
    can_change = Elder.objects.restrict(user, Action.CHANGE).filter(pk=elder.pk).exists()
    return render(request, "elders/elder_detail.html", {
        "elder": elder,
        "contacts": elder.contacts.all(),
        "history": history[:100],
        "assessments": assessment_queries.elder_panel(user, elder),
        "categories": [Category(c).label for c in elder.categories()],
        "reveal": {f: scoping.may_reveal(user, f) for f in PersonalField.values},
        "can_change": can_change,
        "can_set_status": scoping.can(user, Action.SET_STATUS),
        # Who else sees this elder: for the region's workers, not for the linked people.
        "linked": access.linked_accounts(elder) if scoping.is_region_scoped(user) else None,
        "link_form": link_form or (LinkAccountForm() if can_change else None),
    })


@login_required
@require_POST
def elder_link_account(request, pk: int):
    elder = _visible_elder(request, pk, Action.CHANGE)
    form = LinkAccountForm(request.POST)
    if form.is_valid():
        try:
            grant = access.link_account(elder, form.cleaned_data["username"], actor=request.user)
        except access.LinkRefused as refused:
            form.add_error("username", str(refused))
        else:
            messages.success(request, _("%(name)s can now see %(elder)s's record.") % {
                "name": grant.user.full_name or grant.user.username, "elder": elder.name})
            return redirect(reverse("elders:detail", args=[elder.pk]) + "#linked-accounts")
    return _render_detail(request, elder, link_form=form)


@login_required
@require_POST
def elder_unlink_account(request, pk: int, grant_pk: int):
    elder = _visible_elder(request, pk, Action.CHANGE)
    grant = access.unlink_account(elder, grant_pk, actor=request.user)
    messages.success(request, _("%(name)s no longer sees %(elder)s's record.") % {
        "name": grant.user.full_name or grant.user.username, "elder": elder.name})
    return redirect(reverse("elders:detail", args=[elder.pk]) + "#linked-accounts")


def _contacts_from(formset):
    # Every filled-in row, the unchanged existing ones too (an untouched blank extra row
    # has empty cleaned_data), less those ticked for removal: the service replaces the list.
    return [f.to_data() for f in formset.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE")]


def _edit(request, elder: Elder | None):
    user = request.user
    initial = ElderForm.initial_for(elder) if elder else None
    contacts_initial = [
        {"name": c.name, "relation": c.relation, "phone": c.phone} for c in elder.contacts.all()
    ] if elder else None
    form = ElderForm(request.POST or None, user=user, instance=elder, initial=initial)
    formset = ContactFormSet(request.POST or None, prefix="contacts", initial=contacts_initial)
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        data = form.to_data(_contacts_from(formset))
        if elder is None:
            elder = services.create_elder(data, actor=user)
            messages.success(request, _("%(name)s was added to the registry.") % {"name": elder.name})
        else:
            elder = services.update_elder(elder, data, actor=user)
            messages.success(request, _("Changes to %(name)s were saved.") % {"name": elder.name})
        return redirect("elders:detail", pk=elder.pk)
    return render(request, "elders/elder_form.html", {"form": form, "formset": formset, "elder": elder})


@login_required
def elder_create(request):
    scoping.require(request.user, Action.ADD)
    return _edit(request, None)


@login_required
def elder_edit(request, pk: int):
    elder = _visible_elder(request, pk, Action.CHANGE)
    if request.method == "GET":
        services.record_edit_form_opened(elder, actor=request.user)
    return _edit(request, elder)


@login_required
def elder_status(request, pk: int):
    elder = _visible_elder(request, pk, Action.SET_STATUS)
    form = StatusForm(request.POST or None, initial={"status": elder.status})
    if request.method == "POST" and form.is_valid():
        services.set_status(
            elder, form.cleaned_data["status"], on=form.cleaned_data["date"],
            reason=form.cleaned_data["reason"], actor=request.user,
        )
        messages.success(request, _("The status of %(name)s was changed.") % {"name": elder.name})
        return redirect("elders:detail", pk=elder.pk)
    return render(request, "elders/elder_status.html", {"form": form, "elder": elder})


@login_required
@require_POST
def elder_reveal(request, pk: int, field: str):
    elder = _visible_elder(request, pk)
    value = services.reveal(elder, field, actor=request.user)
    return HttpResponse(format_html('<span class="revealed">{}</span>', value or "—"))


@login_required
@require_POST
def contact_reveal(request, pk: int):
    contact = get_object_or_404(EmergencyContact.objects.select_related("elder"), pk=pk)
    if not Elder.objects.restrict(request.user).filter(pk=contact.elder_id).exists():
        raise Http404
    value = services.reveal_contact_phone(contact, actor=request.user)
    return HttpResponse(format_html('<span class="revealed">{}</span>', value))


@login_required
def elder_stats(request):
    user = request.user
    if not scoping.is_region_scoped(user):
        raise Http404
    code = request.GET.get("region") or user.scope_region_id
    region = get_object_or_404(scoping.visible_regions(user), code=code)
    summary = stats.summary(region.prefix)
    return render(request, "elders/elder_stats.html", {
        "region": region,
        "summary": summary,
        "categories": [(Category(c).label, c, n) for c, n in summary["categories"].items()],
        "children": Region.objects.children_of(region),
    })
