from datetime import timedelta

import flask
import pytest
from sqlalchemy import select

from marketplace.accounts.models import ApiToken
from marketplace.accounts.throttle import parse_limits
from marketplace.db.clock import utcnow
from marketplace.extensions import db
from tests.factories import PASSWORD, make_account

REGISTRATION = {
    "email": "Li.Xiuying@Pingyin-Rose.example",
    "password": "rose-petals-2026",
    "display_name": "李秀英",
    "organization": {"name": "平阴玫瑰合作社", "kind": "supplier", "country": "CN"},
}


def register(client, **overrides):
    body = {**REGISTRATION, **overrides}
    return client.post("/api/v1/auth/register", json=body)


def test_register_returns_user_org_and_working_token(client):
    response = register(client)
    assert response.status_code == 201
    body = response.json
    assert body["user"]["email"] == "li.xiuying@pingyin-rose.example"
    assert body["organization"] == {
        **body["organization"],
        "name": "平阴玫瑰合作社",
        "kind": "supplier",
        "verification_status": "unverified",
    }
    assert "password" not in response.get_data(as_text=True)
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200
    assert me.json["organization"]["id"] == body["organization"]["id"]
    assert me.json["role"] == "owner"
    assert me.json["is_operator"] is False


def test_token_is_stored_only_as_hash(client):
    token = register(client).json["token"]
    stored = db.session.scalars(select(ApiToken.token_hash)).all()
    assert token not in stored
    assert len(stored) == 1 and len(stored[0]) == 64


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"password": "short"}, "password"),
        ({"organization": {"name": "X公司", "kind": "distributor"}}, "organization"),
        ({"display_name": ""}, "display_name"),
    ],
)
def test_register_rejects_bad_input_naming_the_field(client, overrides, field):
    response = register(client, **overrides)
    assert response.status_code == 422
    assert field in response.json["errors"]["json"]


def test_register_unknown_kind_names_nested_field(client):
    response = register(client, organization={"name": "某公司", "kind": "reseller"})
    assert response.status_code == 422
    assert "kind" in response.json["errors"]["json"]["organization"]


def test_duplicate_email_is_409_even_with_other_case(client):
    assert register(client).status_code == 201
    again = register(client, email="LI.XIUYING@pingyin-rose.example")
    assert again.status_code == 409
    assert again.json["code"] == 409


def test_malformed_json_is_400(client):
    response = client.post(
        "/api/v1/auth/register", data="{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json["code"] == 400


def test_login_and_logout(client):
    register(client)
    login = client.post(
        "/api/v1/auth/tokens",
        json={"email": REGISTRATION["email"], "password": REGISTRATION["password"]},
    )
    assert login.status_code == 201
    headers = {"Authorization": f"Bearer {login.json['token']}"}
    assert login.json["expires_at"].endswith("+00:00")
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    assert client.delete("/api/v1/auth/tokens/current", headers=headers).status_code == 204
    after = client.get("/api/v1/me", headers=headers)
    assert after.status_code == 401


def test_wrong_password_and_unknown_email_are_401(client):
    register(client)
    wrong = client.post("/api/v1/auth/tokens",
                        json={"email": REGISTRATION["email"], "password": "wrong-password!"})
    unknown = client.post("/api/v1/auth/tokens",
                          json={"email": "nobody@example.com", "password": "whatever-123"})
    assert wrong.status_code == 401
    assert unknown.status_code == 401
    assert wrong.json["message"] == unknown.json["message"]


@pytest.mark.parametrize(
    "header",
    [None, "Bearer", "Bearer not-a-real-token", "Basic dXNlcjpwYXNz", "bearer  "],
)
def test_missing_or_invalid_token_is_401(client, header):
    headers = {"Authorization": header} if header is not None else {}
    response = client.get("/api/v1/me", headers=headers)
    assert response.status_code == 401
    assert response.json["code"] == 401


def test_expired_token_is_401(client):
    account = make_account("buyer")
    row = db.session.scalars(select(ApiToken).where(ApiToken.user_id == account.user.id)).one()
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.session.flush()
    assert client.get("/api/v1/me", headers=account.headers).status_code == 401


def test_repeated_bad_logins_are_rate_limited(app, client):
    account = make_account("buyer")
    limit = parse_limits(app.config["LOGIN_ACCOUNT_LIMIT"])[0].amount
    for _ in range(limit):
        response = client.post("/api/v1/auth/tokens",
                               json={"email": account.user.email, "password": "bad-password-1"})
        assert response.status_code == 401
    blocked = client.post("/api/v1/auth/tokens",
                          json={"email": account.user.email, "password": PASSWORD})
    assert blocked.status_code == 429
    assert 0 < int(blocked.headers["Retry-After"]) <= 60
    assert blocked.json["code"] == 429 and blocked.json["status"] == "Too Many Requests"
    assert "retry" in blocked.json["message"]


def test_successful_logins_do_not_use_up_the_limit(app, client):
    account = make_account("buyer")
    limits = [*parse_limits(app.config["LOGIN_ACCOUNT_LIMIT"]),
              *parse_limits(app.config["LOGIN_ADDRESS_LIMIT"])]
    for _ in range(min(limit.amount for limit in limits) + 2):
        response = client.post("/api/v1/auth/tokens",
                               json={"email": account.user.email, "password": PASSWORD})
        assert response.status_code == 201


def test_create_operator_cli(runner, client):
    result = runner.invoke(
        args=["accounts", "create-operator", "ops@meigu.example", "--password", "operator-pass-1"]
    )
    assert result.exit_code == 0, result.output
    login = client.post("/api/v1/auth/tokens",
                        json={"email": "ops@meigu.example", "password": "operator-pass-1"})
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {login.json['token']}"})
    assert me.json["is_operator"] is True
    assert me.json["organization"] is None
    again = runner.invoke(
        args=["accounts", "create-operator", "ops@meigu.example", "--password", "operator-pass-1"]
    )
    assert again.exit_code != 0


def test_no_cookie_session_is_read_or_set(app, client):
    # Bearer tokens only: a cookie that authenticated a caller would invite request forgery.
    account = make_account("buyer")
    client.set_cookie("session", "forged")
    login = client.post("/api/v1/auth/tokens",
                        json={"email": account.user.email, "password": PASSWORD})
    me = client.get("/api/v1/me", headers=account.headers)
    assert login.status_code == 201 and me.status_code == 200
    assert "Set-Cookie" not in login.headers and "Set-Cookie" not in me.headers
    with app.test_request_context(), pytest.raises(RuntimeError):
        flask.session["user"] = account.user.id
