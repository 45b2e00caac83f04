"""Ingestion fixtures (`make_fixtures.py` writes the generated ones) and test helpers."""
