"""The outages engine: framework-free (no Django), so it runs in the listener, a worker or a
test without a database. Event parsing (`events`), correlation up the topology
(`correlate`), restoration estimates (`etr`), reliability indices (`reliability`) and the
storm simulator (`simulate`) take plain values and return plain values."""
