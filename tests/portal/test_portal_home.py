"""The portal's home screen of service tiles and the pages behind its bottom tab bar
(首页 / 用电 / 服务 / 我的): every tile and tab leads to a page that works."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from gridcare.core.services import customer_user_register
from gridcare.customers.models import AccountBinding
from gridcare.testing.personas import ACCOUNT_A, World
from tests.portal.test_portal_messages import send_portal_message

TABS = {"tab-home": "/portal/", "tab-usage": "/portal/usage/", "tab-services": "/portal/services/", "tab-me": "/portal/me/"}  # fmt: skip


def links(html: str, testid: str) -> list[str]:
    return re.findall(rf'<a [^>]*href="([^"]+)"[^>]*data-testid="{testid}"', html)


def test_home_has_a_tile_per_service_and_each_opens(world: World, client_for) -> None:
    client = client_for("alice")
    html = client.get("/portal/").content.decode()
    tiles = links(html, "tile")
    assert tiles == [
        "/portal/billing/",
        "/portal/orders/report/",
        "/portal/orders/",
        "/portal/accounts/",
        "/portal/usage/",
        "/portal/accounts/bind/",
        "/portal/messages/",
        "/portal/chat/",
        "/portal/preferences/",
        "/portal/applications/",
        "/portal/billing/quote/",
        "/portal/orders/complain/",
    ]
    for href in tiles:
        response = client.get(href, follow=True)
        assert response.status_code == 200, href
    assert ACCOUNT_A in html, "the bound account is on the home screen"


@pytest.mark.parametrize(
    ("path", "active"),
    [
        ("/portal/", "tab-home"),
        (f"/portal/accounts/{ACCOUNT_A}/usage/", "tab-usage"),
        ("/portal/chat/", "tab-services"),
        ("/portal/services/", "tab-services"),
        ("/portal/me/", "tab-me"),
        ("/portal/preferences/", "tab-me"),
    ],
)
def test_every_customer_page_has_the_tab_bar_with_its_section_lit(
    world: World, client_for, path: str, active: str
) -> None:
    html = client_for("alice").get(path).content.decode()
    bar = html.split('data-testid="tabbar"')[1].split("</nav>")[0]
    for testid, href in TABS.items():
        assert links(bar, testid) == [href]
    lit = re.findall(r'class="gc-tab active"[^>]*aria-current="page" data-testid="([a-z-]+)"', bar)
    assert lit == [active]


def test_visitors_get_no_tab_bar(world: World) -> None:
    for path in ("/", "/portal/login/", "/portal/register/"):
        assert 'data-testid="tabbar"' not in Client().get(path).content.decode()


def test_usage_tab_opens_the_only_account_directly(world: World, client_for) -> None:
    response = client_for("alice").get("/portal/usage/")
    assert response.status_code == 302
    assert response["Location"] == f"/portal/accounts/{ACCOUNT_A}/usage/"


def test_usage_tab_lets_a_login_with_several_accounts_choose(world: World, client_for) -> None:
    AccountBinding.objects.create(user=world.users["alice"], account=world.account_c)
    html = client_for("alice").get("/portal/usage/").content.decode()
    assert links(html, "usage-account") == [
        f"/portal/accounts/{ACCOUNT_A}/usage/",
        f"/portal/accounts/{world.account_c.number}/usage/",
    ]


def test_usage_tab_before_any_account_is_bound_goes_to_binding(world: World) -> None:
    user = customer_user_register(
        mobile="13912345678", password="a-long-pass-2026", display_name="新用户"
    )
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    response = client.get("/portal/usage/")
    assert response["Location"] == "/portal/accounts/bind/"
    home = client.get("/portal/").content.decode()
    assert "您还没有绑定户号。" in home


def test_me_shows_the_login_masked_and_the_number_of_accounts(world: World, client_for) -> None:
    html = client_for("alice").get("/portal/me/").content.decode()
    card = html.split('data-testid="me-card"')[1].split("</div></div>")[0]
    assert "138****0001" in card
    assert "13800000001" not in html


def test_home_counts_unread_messages(world: World, client_for) -> None:
    send_portal_message(world)
    html = client_for("alice").get("/portal/").content.decode()
    assert re.search(r'data-testid="unread-count">1<', html)
