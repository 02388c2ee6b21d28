"""Money after checkout: bank-transfer confirmation, card payment events and supplier
transfers (Stripe Connect), refunds, payout accounts and the Stripe webhook."""
