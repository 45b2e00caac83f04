"""Periodic jobs the worker runs: each at its interval, a failing one does not stop others."""

from __future__ import annotations

import pytest

from gridcare.core import periodic


@pytest.fixture
def jobs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    monkeypatch.setattr(periodic, "_jobs", {})
    return []


def test_jobs_run_at_their_interval_and_a_failure_is_contained(jobs: list[str]) -> None:
    def boom() -> None:
        raise RuntimeError("broken")

    periodic.periodic_register("a", lambda: jobs.append("a"), every=60)
    periodic.periodic_register("b", boom, every=10)

    assert periodic.periodic_run_due(clock=lambda: 1000.0) == ["a", "b"]
    assert periodic.periodic_run_due(clock=lambda: 1030.0) == ["b"]
    assert periodic.periodic_run_due(clock=lambda: 1060.0) == ["a", "b"]
    assert jobs == ["a", "a"]


def test_the_service_app_registers_the_sla_sweep() -> None:
    assert "service.sla_sweep" in periodic.periodic_jobs()
    assert "notify.staff_sms_recover" in periodic.periodic_jobs()
