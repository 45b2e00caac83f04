"""Fixtures of the monitoring tests: the hand-computed KPI world, rolled up."""

from __future__ import annotations

import pytest

from gridcare.monitoring.services.rollup import facts_rebuild
from gridcare.testing.personas import World

from .kpi_world import DAY_AFTER, DAY_BEFORE, KpiWorld, build_all


@pytest.fixture
def kpi_world(world: World) -> KpiWorld:
    built = build_all(world)
    facts_rebuild(start=DAY_BEFORE, end=DAY_AFTER)
    return built
