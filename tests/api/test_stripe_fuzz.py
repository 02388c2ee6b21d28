"""schemathesis over the Stripe endpoints with the Stripe gateway switched on (the general
fuzz test runs with bank transfer only, where these answer 404): random bodies and
signatures must answer documented statuses — 400 for anything not signed by Stripe — never
a 5xx."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.factories import make_account
from tests.fakes import fake_stripe_fixtures as stripe_fixtures
from tests.fuzzing import load_openapi

# The Stripe fixtures (a fake Stripe per module, the gateway switched on, the fake per test).
fake = stripe_fixtures.fake
fake_stripe_server = stripe_fixtures.fake_stripe_server
stripe_on = stripe_fixtures.stripe_on

api_schema = schemathesis.pytest.from_fixture("stripe_schema").include(
    path_regex=r"^/api/v1/(payments/stripe|organizations/me/payouts)")


@pytest.fixture
def stripe_schema(app, fake):
    return load_openapi(app)


@pytest.fixture
def callers(app):
    return [{}, make_account("supplier", verified=True).headers, make_account("buyer").headers]


@api_schema.parametrize()
@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much])
def test_stripe_endpoints_conform_to_their_documentation(case, callers):
    webhook = case.path.endswith("/webhook")
    # A schema-valid webhook body is still refused unless Stripe signed it: that is the point.
    excluded = [positive_data_acceptance] if webhook else []
    for headers in callers:
        response = case.call_and_validate(headers=headers, excluded_checks=excluded)
        if webhook and case.method.upper() == "POST":
            assert response.status_code == 400
