"""Billing's use cases, one module per area: tariffs, ledger, bills and runs, payments,
arrears and prepaid. Every write goes through them."""
