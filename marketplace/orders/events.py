"""The order status history: one `OrderEvent` per transition, numbered per order."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from marketplace.accounts.models import User
from marketplace.db.clock import utcnow
from marketplace.extensions import db
from marketplace.orders.models import Order, OrderEvent


def add_event(order: Order, from_status: str | None, to_status: str, *, actor: User | None,
              role: str, at: datetime | None = None,
              details: dict[str, Any] | None = None) -> OrderEvent:
    """Record a transition (call it after the order row was claimed for the change)."""
    last = db.session.scalar(
        select(func.max(OrderEvent.seq)).where(OrderEvent.order_id == order.id)
    ) if from_status is not None else 0
    event = OrderEvent(
        order_id=order.id, seq=(last or 0) + 1, at=at or utcnow(), from_status=from_status,
        to_status=to_status, actor_id=actor.id if actor else None, actor_role=role,
        details=details or {},
    )
    db.session.add(event)
    if "events" in order.__dict__:
        order.events.append(event)
    return event
