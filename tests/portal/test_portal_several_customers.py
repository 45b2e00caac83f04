"""A login that has bound the accounts of several customers (a landlord, a family) picks
whom it speaks for on the settings and chat pages; it cannot name anybody else."""

from __future__ import annotations

import pytest
from django.test import Client

from gridcare.contact.models import Conversation
from gridcare.core.services import customer_user_register
from gridcare.customers.models import AccountBinding, ContactPreference

SETTINGS = {"channels": ["sms"], "email": "", "quiet_start": "21:00", "quiet_end": "07:00"}


@pytest.fixture
def landlord(world):  # type: ignore[no-untyped-def]
    """Alice has also bound the account of 棠下五金厂 (customer of account C)."""
    AccountBinding.objects.create(user=world.users["alice"], account=world.account_c)
    return world.account_c.customer


def test_the_first_customer_is_the_default_and_the_others_can_be_chosen(
    world, client_for, landlord
) -> None:
    client = client_for("alice")
    page = client.get("/portal/preferences/").content.decode()
    assert 'data-testid="customer-switch"' in page
    assert f'value="{world.customer_alice.pk}" selected' in page
    # Masked names can look alike: each option names the accounts bound for that customer.
    assert f"张*丰 · {world.account_a.number}</option>" in page
    assert f"棠***厂 · {world.account_c.number}</option>" in page
    chosen = client.get(f"/portal/preferences/?customer={landlord.pk}").content.decode()
    assert f'value="{landlord.pk}" selected' in chosen
    assert f'name="customer" value="{landlord.pk}"' in chosen  # the form posts it back


def test_settings_are_saved_for_the_chosen_customer_only(world, client_for, landlord) -> None:
    response = client_for("alice").post(
        "/portal/preferences/", {**SETTINGS, "customer": landlord.pk}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/portal/preferences/?customer={landlord.pk}&saved=1"
    assert ContactPreference.objects.get(customer=landlord).quiet_start.isoformat() == "21:00:00"
    assert not ContactPreference.objects.filter(customer=world.customer_alice).exists()


def test_chat_goes_to_the_chosen_customers_conversation(world, client_for, landlord) -> None:
    client = client_for("alice")
    response = client.post("/portal/chat/", {"text": "厂里跳闸了", "customer": landlord.pk})
    assert response.status_code == 302
    assert response["Location"] == f"/portal/chat/?customer={landlord.pk}"
    # The assistant answers first; asked for a person, it hands the landlord's chat over.
    client.post("/portal/chat/", {"text": "转人工客服", "customer": landlord.pk})
    assert Conversation.objects.filter(customer=landlord, channel="web_chat").exists()
    assert not Conversation.objects.filter(customer=world.customer_alice).exists()
    assert "厂里跳闸了" in client.get(response["Location"]).content.decode()
    assert "厂里跳闸了" not in client.get("/portal/chat/").content.decode()


@pytest.mark.parametrize("path", ["/portal/preferences/", "/portal/chat/"])
def test_a_customer_not_bound_by_the_login_is_not_found(world, client_for, path) -> None:
    client = client_for("alice")
    bob = world.customer_bob.pk
    assert client.get(f"{path}?customer={bob}").status_code == 404
    # Not a customer id at all: a bad request, not a customer that might exist.
    assert client.get(f"{path}?customer=x").status_code == 400
    posted = {**SETTINGS, "text": "冒充", "customer": bob}
    assert client.post(path, posted).status_code == 404
    assert not ContactPreference.objects.filter(customer=world.customer_bob).exists()
    assert not Conversation.objects.filter(customer=world.customer_bob).exists()


def test_a_login_with_one_customer_sees_no_choice(world, client_for) -> None:
    client = client_for("bob")
    assert (
        'data-testid="customer-switch"' not in client.get("/portal/preferences/").content.decode()
    )
    response = client.post("/portal/preferences/", SETTINGS)
    assert response["Location"] == "/portal/preferences/?saved=1"


@pytest.mark.parametrize("path", ["/portal/preferences/", "/portal/chat/"])
def test_a_login_without_accounts_is_sent_to_bind_one(world, path) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    login = customer_user_register(mobile="13600000007", password="zhao-liu-2026")
    client.force_login(login, backend="django.contrib.auth.backends.ModelBackend")
    for response in (client.get(path), client.post(path, {**SETTINGS, "text": "你好"})):
        assert response.status_code == 302
        assert response["Location"] == "/portal/accounts/bind/"
    assert not ContactPreference.objects.exists()
