"""The resources of the fake Stripe server (`fake_stripe.py`): what each endpoint does with
its parameters, answered as objects shaped like Stripe's published examples."""

from __future__ import annotations

import secrets
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.fakes.fake_stripe import FakeStripe


class StripeError(Exception):
    def __init__(self, status: int, message: str, param: str | None = None,
                 type_: str = "invalid_request_error") -> None:
        super().__init__(message)
        self.status = status
        self.body: dict[str, Any] = {"type": type_, "message": message}
        if param:
            self.body["param"] = param


def _new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(12)}"


def _require(params: dict[str, Any], *names: str) -> None:
    for name in names:
        if params.get(name) in (None, ""):
            raise StripeError(400, f"Missing required param: {name}.", param=name)


def _amount(params: dict[str, Any], name: str = "amount") -> int:
    try:
        value = int(params[name])
    except (KeyError, ValueError):
        raise StripeError(400, f"Invalid integer: {params.get(name)}", param=name) from None
    if value <= 0:
        raise StripeError(400, "This value must be greater than or equal to 1.", param=name)
    return value


def _list(url: str, data: list[dict[str, Any]]) -> dict[str, Any]:
    return {"object": "list", "data": data, "has_more": False, "url": url}


def route(fake: FakeStripe, method: str, path: list[str], params: dict[str, Any],
          query: dict[str, str]) -> dict[str, Any]:
    resource, rest = path[0], path[1:]
    if resource == "accounts" and method == "POST" and not rest:
        return create_account(fake, params)
    if resource == "account_links" and method == "POST" and not rest:
        return create_account_link(fake, params)
    if resource == "payment_intents" and method == "POST" and not rest:
        return create_payment_intent(fake, params)
    if resource == "payment_intents" and method == "POST" and len(rest) == 1:
        return update_payment_intent(fake, rest[0], params)
    if resource == "payment_intents" and method == "POST" and rest[1:] == ["cancel"]:
        return cancel_payment_intent(fake, rest[0], params)
    if resource == "transfers" and method == "POST" and not rest:
        return create_transfer(fake, params)
    if resource == "transfers" and method == "POST" and len(rest) == 2 \
            and rest[1] == "reversals":
        return create_reversal(fake, rest[0], params)
    if resource == "refunds" and method == "POST" and not rest:
        return create_refund(fake, params)
    if resource == "refunds" and method == "GET" and not rest:
        refunds = [r for r in fake.objects.get("refund", {}).values()
                   if all(r.get(k) == v for k, v in query.items() if k in
                          ("charge", "payment_intent"))]
        return _list("/v1/refunds", refunds)
    kinds = {"accounts": "account", "payment_intents": "payment_intent",
             "transfers": "transfer", "refunds": "refund", "charges": "charge"}
    if method == "GET" and resource in kinds and len(rest) == 1:
        return fake.get(kinds[resource], rest[0])
    raise StripeError(404, f"Unrecognized request URL ({method}: /v1/{'/'.join(path)}).")


# Stripe lets the amount change, and the intent be cancelled, only before the buyer pays.
_CHANGEABLE = ("requires_payment_method", "requires_confirmation", "requires_action")


def _changeable_intent(fake: FakeStripe, intent_id: str, action: str) -> dict[str, Any]:
    intent = fake.get("payment_intent", intent_id)
    if intent["status"] not in _CHANGEABLE:
        error = StripeError(400, f"You cannot {action} this PaymentIntent because it has a "
                                 f"status of {intent['status']}.")
        error.body["code"] = "payment_intent_unexpected_state"
        raise error
    return intent


def update_payment_intent(fake: FakeStripe, intent_id: str,
                          params: dict[str, Any]) -> dict[str, Any]:
    intent = _changeable_intent(fake, intent_id, "update")
    if "amount" in params:
        intent["amount"] = _amount(params)
    if "metadata" in params:
        intent["metadata"].update(params["metadata"])
    return intent


def cancel_payment_intent(fake: FakeStripe, intent_id: str,
                          params: dict[str, Any]) -> dict[str, Any]:
    intent = _changeable_intent(fake, intent_id, "cancel")
    intent.update(status="canceled", canceled_at=int(time.time()),
                  cancellation_reason=params.get("cancellation_reason"))
    return intent


def create_account(fake: FakeStripe, params: dict[str, Any]) -> dict[str, Any]:
    account_id = f"acct_{secrets.token_hex(8)}"
    account = fake.shaped(
        "account", id=account_id, type=params.get("type", "standard"),
        country=params.get("country", "US"), email=params.get("email"),
        metadata=params.get("metadata", {}), charges_enabled=False, payouts_enabled=False,
        details_submitted=False, capabilities={"transfers": "inactive"},
        external_accounts=_list(f"/v1/accounts/{account_id}/external_accounts", []))
    account["business_profile"]["name"] = (params.get("business_profile") or {}).get("name")
    return fake.store("account", account)


def create_account_link(fake: FakeStripe, params: dict[str, Any]) -> dict[str, Any]:
    _require(params, "account", "type")
    account = fake.get("account", params["account"])
    now = int(time.time())
    return fake.shaped("account_link", created=now, expires_at=now + 300,
                       url=f"https://connect.stripe.com/setup/e/{account['id']}/"
                           f"{secrets.token_urlsafe(12)}")


def create_payment_intent(fake: FakeStripe, params: dict[str, Any]) -> dict[str, Any]:
    _require(params, "amount", "currency")
    intent_id = _new_id("pi")
    intent = fake.shaped(
        "payment_intent", id=intent_id, amount=_amount(params), amount_received=0,
        currency=params["currency"], metadata=params.get("metadata", {}),
        transfer_group=params.get("transfer_group"), transfer_data=None,
        client_secret=f"{intent_id}_secret_{secrets.token_hex(12)}",
        status="requires_payment_method", latest_charge=None, last_payment_error=None,
        canceled_at=None, next_action=None, processing=None,
        description=params.get("description"))
    return fake.store("payment_intent", intent)


def succeed(fake: FakeStripe, intent_id: str, amount_received: int | None) -> dict[str, Any]:
    """The buyer confirmed and the card was charged: a charge, and the intent succeeded."""
    intent = fake.get("payment_intent", intent_id)
    amount = intent["amount"] if amount_received is None else amount_received
    charge = fake.shaped(
        "charge", id=_new_id("ch"), amount=amount, amount_captured=amount, amount_refunded=0,
        captured=True, paid=True, refunded=False, status="succeeded",
        currency=intent["currency"], payment_intent=intent_id,
        transfer_group=intent["transfer_group"], metadata=dict(intent["metadata"]),
        transfer_data=None, source=None)
    charge.pop("refunds", None)  # not included since API version 2022-11-15
    fake.store("charge", charge)
    intent.update(status="succeeded", amount_received=amount, latest_charge=charge["id"],
                  last_payment_error=None)
    return intent


def create_transfer(fake: FakeStripe, params: dict[str, Any]) -> dict[str, Any]:
    _require(params, "amount", "currency", "destination")
    if params["destination"] not in fake.objects.get("account", {}):
        raise StripeError(400, f"No such destination: '{params['destination']}'",
                          param="destination")
    source = params.get("source_transaction")
    if source is not None:
        charge = fake.get("charge", source)
        if charge["currency"] != params["currency"]:
            raise StripeError(400, "The currency of source_transaction's balance transaction "
                                   "must be the same as the transfer currency.",
                              param="currency")
    transfer_id = _new_id("tr")
    transfer = fake.shaped(
        "transfer", id=transfer_id, amount=_amount(params), amount_reversed=0,
        currency=params["currency"], destination=params["destination"],
        source_transaction=source, transfer_group=params.get("transfer_group"),
        metadata=params.get("metadata", {}), reversed=False,
        destination_payment=_new_id("py"), balance_transaction=_new_id("txn"),
        reversals=_list(f"/v1/transfers/{transfer_id}/reversals", []))
    return fake.store("transfer", transfer)


def create_reversal(fake: FakeStripe, transfer_id: str, params: dict[str, Any]
                    ) -> dict[str, Any]:
    transfer = fake.get("transfer", transfer_id)
    left = transfer["amount"] - transfer["amount_reversed"]
    amount = _amount(params) if "amount" in params else left
    if amount > left:
        raise StripeError(400, f"Amount ({amount}) is greater than the unreversed amount "
                               f"left on the transfer ({left}).", param="amount")
    reversal = fake.shaped("transfer_reversal", id=_new_id("trr"), amount=amount,
                           currency=transfer["currency"], transfer=transfer_id,
                           metadata=params.get("metadata", {}))
    transfer["amount_reversed"] += amount
    transfer["reversed"] = transfer["amount_reversed"] == transfer["amount"]
    transfer["reversals"]["data"].append(reversal)
    return fake.store("transfer_reversal", reversal)


def create_refund(fake: FakeStripe, params: dict[str, Any]) -> dict[str, Any]:
    _require(params, "payment_intent")
    intent = fake.get("payment_intent", params["payment_intent"])
    if intent["status"] != "succeeded" or not intent["latest_charge"]:
        raise StripeError(400, f"This PaymentIntent ({intent['id']}) does not have a "
                               "successful charge to refund.", param="payment_intent")
    charge = fake.get("charge", intent["latest_charge"])
    left = charge["amount"] - charge["amount_refunded"]
    amount = _amount(params) if "amount" in params else left
    if amount > left:
        raise StripeError(400, f"Refund amount ({amount}) is greater than unrefunded amount "
                               f"on charge ({left})", param="amount")
    refund = fake.shaped(
        "refund", id=_new_id("re"), amount=amount, charge=charge["id"],
        payment_intent=intent["id"], currency=charge["currency"],
        metadata=params.get("metadata", {}), reason=params.get("reason"), status="succeeded")
    charge["amount_refunded"] += amount
    charge["refunded"] = charge["amount_refunded"] == charge["amount"]
    return fake.store("refund", refund)
