"""The rollup's sources, one per metric family (docs/kpis.md). Each asks its app's
selectors for SQL-grouped rows and yields FactRows."""

from __future__ import annotations

from gridcare.monitoring.rows import Source

SOURCES: list[Source] = []
