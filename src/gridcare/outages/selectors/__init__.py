"""Outage reads, one module per concern (live: what is off now; the others by their owners)."""
