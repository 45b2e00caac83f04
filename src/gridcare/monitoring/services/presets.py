"""The index weights and alert rules a new installation starts with (data, edited later)."""

from __future__ import annotations

from typing import Any


def presets_install() -> None:
    """Install the first index version and the preset alert rules where missing."""


def presets_install_after_migrate(sender: Any, **kwargs: Any) -> None:
    presets_install()
