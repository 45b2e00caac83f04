"""Shared fixtures: the persona world (gridcare.testing.personas) and API clients."""

from __future__ import annotations

import pytest
from django.test import Client

from gridcare.testing.personas import World, build_world


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:  # type: ignore[no-untyped-def]
    # PBKDF2 at Django's production cost takes ~0.3 s per password; personas make a dozen.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


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
