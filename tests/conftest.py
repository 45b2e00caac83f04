"""Shared fixtures: the persona world (gridcare.testing.personas) and API clients."""

from __future__ import annotations

import pytest
from django.test import Client

from gridcare.testing.personas import World, build_world

# The payment fixtures (demo gateway, keys, live server) serve billing, portal, console and
# e2e tests; pytest only honours plugins declared in the root conftest, once, for the session.
# tests/notify/conftest.py has its own `gateway` (the SMS gateway), which wins under tests/notify.
pytest_plugins = ["tests.billing.pay_fixtures"]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:  # type: ignore[no-untyped-def]
    # PBKDF2 at Django's production cost takes ~0.3 s per password; personas make a dozen.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _recorded_verification_codes(settings) -> None:  # type: ignore[no-untyped-def]
    # Codes are recorded in the database (customers.codes.RecordingCodeSender), the one
    # fake at the code seam; tests of the SMS sender itself point it at a local gateway.
    settings.VERIFICATION_CODE_BACKEND = "gridcare.customers.codes.RecordingCodeSender"


@pytest.fixture
def world(db: None) -> World:
    return build_world()


@pytest.fixture
def client_for(world: World):  # type: ignore[no-untyped-def]
    """`client_for("alice")` → a Django test client logged in as that persona."""

    def make(name: str) -> Client:
        client = Client()
        client.force_login(world.users[name], backend="django.contrib.auth.backends.ModelBackend")
        return client

    return make
