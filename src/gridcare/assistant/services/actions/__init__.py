"""What the assistant does for a customer, one module per area (billing, outages, orders,
knowledge), each through the owning app's selectors and services."""
