"""The phone-first portal shell: the home screen of service tiles and the pages behind the
bottom tab bar (用电 / 服务 / 我的). Thin over selectors; each tile is a page that exists."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from gridcare.core.models import User
from gridcare.core.privacy import mask_mobile
from gridcare.core.web import customer_required
from gridcare.customers import selectors
from gridcare.notify import selectors as notify_selectors
from gridcare.outages.selectors import live as outage_live
from gridcare.outages.selectors import search as outage_search


@customer_required
def home_view(request: HttpRequest) -> HttpResponse:
    """首页: a tile per service the portal offers today, and the bound accounts; on top, a
    banner when one of them is off now or has a planned outage within a week."""
    assert isinstance(request.user, User)
    accounts = list(selectors.accounts_of_login(user=request.user))
    account_ids = [account.pk for account in accounts]
    off_now = outage_live.outages_active_for_accounts(account_ids=account_ids)
    number_of = {account.pk: account.number for account in accounts}
    context = {
        "accounts": accounts,
        "unread": notify_selectors.portal_messages_unread_count(user=request.user),
        "outages_now": [(number_of[pk], banner) for pk, banner in off_now.items()],
        "outages_coming": outage_search.upcoming_planned_for_accounts(account_ids=account_ids),
    }
    return render(request, "portal/home_customer.html", context)


@customer_required
def usage_entry_view(request: HttpRequest) -> HttpResponse:
    """The 用电 tab: straight to the usage of the only account, else a choice of accounts;
    before any account is bound, to binding."""
    assert isinstance(request.user, User)
    accounts = list(selectors.accounts_of_login(user=request.user))
    if not accounts:
        return redirect("portal:bind")
    if len(accounts) == 1:
        return redirect("portal:usage", number=accounts[0].number)
    return render(request, "portal/usage_choose.html", {"accounts": accounts})


@customer_required
def services_view(request: HttpRequest) -> HttpResponse:
    """The 服务 tab: every service the portal offers, with what it is for."""
    assert isinstance(request.user, User)
    unread = notify_selectors.portal_messages_unread_count(user=request.user)
    return render(request, "portal/services.html", {"unread": unread})


@customer_required
def me_view(request: HttpRequest) -> HttpResponse:
    """The 我的 tab: this login, its accounts and settings, language and logging out."""
    assert isinstance(request.user, User)
    context = {
        "mobile": mask_mobile(request.user.mobile or request.user.username),
        "account_count": selectors.accounts_of_login_count(user=request.user),
    }
    return render(request, "portal/me.html", context)
