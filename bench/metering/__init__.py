"""Metering benchmark: GridCare's engine against hand-written DuckDB SQL and pandas.

    .venv/bin/python -m bench.metering.generate --size S   # data only (run.py also does it)
    .venv/bin/python -m bench.metering.run --size S        # every step, one table

Modules: `common` (sizes, paths, the Guangdong TOU hours, the step protocol), `generate`
(synthetic readings as CSV plus the meters/transformers dimensions), `baselines_duckdb`
(the limit), `baselines_pandas` (the usual alternative), `engine_steps` (GridCare's engine,
through its public names), `steps` (one step in a fresh process), `run` (the plan, one or
two engines), `report` (the targets, the verdicts, the tables) and `check` (the outputs
against the SQL's). `refresh_floor` and `verify_writes` are separate measurements.
"""
