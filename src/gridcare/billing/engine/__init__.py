"""The tariff engine: framework-free (no Django; import-linter checks it), so a bill can be
computed in a test, a notebook or a Spark worker from plain numbers."""
