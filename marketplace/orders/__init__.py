"""Checkouts split into one order per supplier, atomic stock reservation, bank-transfer
payment, order status history, refunds, idempotent checkout creation and sample requests."""
