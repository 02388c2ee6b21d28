"""Supplier payouts through Stripe Connect: connected accounts, onboarding links, payout
status, and the Stripe webhook that confirms card payments and keeps all of it in sync."""
