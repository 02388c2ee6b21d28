"""Passwords that resist guessing, password change, logging out everywhere, and responses
carrying tokens kept out of caches."""

from __future__ import annotations

import pytest

from tests.factories import PASSWORD, make_account

REGISTRATION = {
    "email": "wang.fang@ningxia-grape.example",
    "password": "grape-seed-harvest-26",
    "display_name": "王芳",
    "organization": {"name": "宁夏葡萄籽油厂", "kind": "supplier"},
}
NEW_PASSWORD = "dendrobium-terraces-9"


def register(client, **overrides):
    return client.post("/api/v1/auth/register", json={**REGISTRATION, **overrides})


def login(client, email, password):
    return client.post("/api/v1/auth/tokens", json={"email": email, "password": password})


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("password", [
    "aaaaaaaaaa", "1234567890", "password12", " " * 10, "qwertyuiop", "P@ssw0rd2024",
    "woaini1314520",  # common in Chinese password leaks
    "wang.fang2026",  # the user's own e-mail
    "ningxia-grape",  # the e-mail's domain
])
def test_guessable_passwords_are_refused_at_registration(client, password):
    response = register(client, password=password)
    assert response.status_code == 422
    assert list(response.json["errors"]["json"]) == ["password"]
    assert "too easy to guess" in response.json["errors"]["json"]["password"][0]


def test_a_strong_password_registers_with_no_store(client):
    response = register(client)
    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    login_response = login(client, REGISTRATION["email"], REGISTRATION["password"])
    assert login_response.status_code == 201
    assert login_response.headers["Cache-Control"] == "no-store"


def test_bad_e_mail_and_password_are_reported_together(client):
    response = register(client, email="wang.fаng@ningxia-grape.example",  # Cyrillic а
                        password="1234567890")
    assert response.status_code == 422
    assert set(response.json["errors"]["json"]) == {"email", "password"}


def test_create_operator_refuses_a_guessable_password(runner):
    result = runner.invoke(args=["accounts", "create-operator", "ops2@meigu.example",
                                 "--password", "password12"])
    assert result.exit_code != 0
    assert "too easy to guess" in result.output


def change(client, headers, current, new=NEW_PASSWORD):
    return client.post("/api/v1/auth/password", headers=headers,
                       json={"current_password": current, "new_password": new})


def test_change_password_revokes_every_other_token(client):
    account = make_account("buyer")
    other_device = login(client, account.user.email, PASSWORD).json["token"]
    third_device = login(client, account.user.email, PASSWORD).json["token"]
    bystander = make_account("buyer")

    response = change(client, account.headers, PASSWORD)
    assert response.status_code == 204
    assert client.get("/api/v1/me", headers=account.headers).status_code == 200
    for token in (other_device, third_device):
        assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401
    assert client.get("/api/v1/me", headers=bystander.headers).status_code == 200
    assert login(client, account.user.email, PASSWORD).status_code == 401
    assert login(client, account.user.email, NEW_PASSWORD).status_code == 201


def test_wrong_current_password_is_403_and_changes_nothing(client):
    account = make_account("buyer")
    other_device = login(client, account.user.email, PASSWORD).json["token"]
    response = change(client, account.headers, "not-my-password-1")
    assert response.status_code == 403
    assert response.json["code"] == 403
    assert client.get("/api/v1/me", headers=bearer(other_device)).status_code == 200
    assert login(client, account.user.email, PASSWORD).status_code == 201


@pytest.mark.parametrize("new", ["aaaaaaaaaa", "password12", "iloveyou2026"])
def test_weak_new_password_is_422_naming_it(client, new):
    account = make_account("buyer")
    response = change(client, account.headers, PASSWORD, new=new)
    assert response.status_code == 422
    assert list(response.json["errors"]["json"]) == ["new_password"]
    assert login(client, account.user.email, PASSWORD).status_code == 201


def test_new_password_may_not_be_the_user_s_own_e_mail(client):
    account = make_account("buyer")
    local = account.user.email.split("@")[0]
    response = change(client, account.headers, PASSWORD, new=f"{local}@example.com")
    assert response.status_code == 422


def test_change_password_needs_a_token_and_both_fields(client):
    assert change(client, {}, PASSWORD).status_code == 401
    account = make_account("buyer")
    response = client.post("/api/v1/auth/password", headers=account.headers,
                           json={"new_password": NEW_PASSWORD})
    assert response.status_code == 422
    assert "current_password" in response.json["errors"]["json"]


def test_log_out_everywhere(client):
    account = make_account("buyer")
    tokens = [login(client, account.user.email, PASSWORD).json["token"] for _ in range(2)]
    bystander = make_account("buyer")
    assert client.delete("/api/v1/auth/tokens", headers=account.headers).status_code == 204
    for headers in (account.headers, *map(bearer, tokens)):
        assert client.get("/api/v1/me", headers=headers).status_code == 401
    assert client.get("/api/v1/me", headers=bystander.headers).status_code == 200
    # Logging in again works, and the new token is unaffected.
    fresh = login(client, account.user.email, PASSWORD).json["token"]
    assert client.get("/api/v1/me", headers=bearer(fresh)).status_code == 200


def test_log_out_everywhere_needs_a_token(client):
    response = client.delete("/api/v1/auth/tokens")
    assert response.status_code == 401
    assert response.json["code"] == 401


def test_new_routes_are_in_the_openapi_document(client):
    paths = client.get("/api/openapi.json").json["paths"]
    assert {"post", "delete"} <= set(paths["/api/v1/auth/tokens"])
    assert "Retry-After" in paths["/api/v1/auth/tokens"]["post"]["responses"]["429"]["headers"]
    assert {"204", "403", "422", "429"} <= set(paths["/api/v1/auth/password"]["post"]["responses"])
