"""Operator decisions: review queue, supplier verification decisions, audit log."""
