"""Account pages: the administrator's list and forms, and everyone's own account."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from yiyang.accounts import queries, services
from yiyang.accounts.forms import AccountForm, PhoneForm, apply_errors
from yiyang.core import scoping
from yiyang.core.choices import Action, Role


def _account_form(request, data=None, *, initial=None, editing=False) -> AccountForm:
    actor = request.user
    return AccountForm(data, initial=initial, editing=editing, regions=services.regions_for(actor),
                       organisations=services.organisations_for(actor))


@login_required
def account_list(request):
    scoping.require(request.user, Action.MANAGE_ACCOUNTS)
    q, role, active = (request.GET.get(k, "") for k in ("q", "role", "active"))
    rows = queries.account_list(request.user, q=q, role=role, active=active)
    return render(request, "accounts/list.html", {
        "page": Paginator(rows, 50).get_page(request.GET.get("page")), "q": q, "role": role,
        "active": active, "roles": Role.choices})


@never_cache  # the answer may hold a temporary password
@login_required
def account_new(request):
    scoping.require(request.user, Action.MANAGE_ACCOUNTS)
    form = _account_form(request, request.POST or None, initial={"region": request.user.scope_region_id})
    if request.method == "POST" and form.is_valid():
        try:
            user, password = services.create_account(form.cleaned_data["username"], form.to_data(),
                                                     actor=request.user)
        except services.AccountError as exc:
            apply_errors(form, exc.errors)
        else:  # shown in this answer only: never in a URL, a cookie or a log
            return render(request, "accounts/password.html", {"account": user, "password": password,
                                                              "created": True})
    return render(request, "accounts/form.html", {"form": form})


@login_required
def account_edit(request, pk: int):
    account = get_object_or_404(services.manageable(request.user).select_related("scope_region"), pk=pk)
    initial = {"full_name": account.full_name, "role": account.role, "region": account.scope_region_id,
               "organisation": account.organisation_id, "phone": account.phone_masked,
               "is_active": account.is_active}
    form = _account_form(request, request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_account(account, form.to_data(), actor=request.user)
        except services.AccountError as exc:
            apply_errors(form, exc.errors)
        else:
            messages.success(request, _("The account of %(name)s was saved.") % {"name": account})
            return redirect("accounts:list")
    return render(request, "accounts/form.html", {"form": form, "account": account})


@never_cache
@login_required
@require_POST
def account_reset(request, pk: int):
    account = get_object_or_404(services.manageable(request.user), pk=pk)
    password = services.reset_password(account, actor=request.user)
    return render(request, "accounts/password.html", {"account": account, "password": password})


@login_required
def me(request):
    user = request.user
    phone_form = PhoneForm(request.POST if "phone" in request.POST else None,
                           initial={"phone": user.phone_masked})
    password_form = PasswordChangeForm(user, request.POST if "old_password" in request.POST else None)
    for field in password_form.fields.values():
        field.widget.attrs["class"] = "form-control"
    if phone_form.is_bound and phone_form.is_valid():
        try:
            services.change_own_phone(user, phone_form.cleaned_data["phone"])
        except services.AccountError as exc:
            apply_errors(phone_form, exc.errors)
        else:
            messages.success(request, _("Your phone number was saved."))
            return redirect("accounts:me")
    if password_form.is_bound and password_form.is_valid():
        services.change_own_password(password_form)
        update_session_auth_hash(request, password_form.user)
        messages.success(request, _("Your password was changed."))
        return redirect("accounts:me")
    return render(request, "accounts/me.html", {
        "phone_form": phone_form, "password_form": password_form,
        "can_manage": scoping.can(user, Action.MANAGE_ACCOUNTS)})
