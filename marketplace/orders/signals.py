"""Signals the order domain sends, so that higher packages (billing) can react without
orders importing them."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: `flask orders expire` finished its sweep and committed. Sent with `now` (the sweep's
#: clock). Billing closes the card payments of checkouts that ended unpaid.
expiry_swept = _signals.signal("orders.expiry-swept")
