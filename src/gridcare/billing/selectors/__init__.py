"""Billing's reads, one module per area (bills, payments, ledger, arrears), each already
scoped to the reader (customers: their bound accounts; staff: their org-unit subtree)."""
