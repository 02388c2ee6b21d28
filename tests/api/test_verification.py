import pytest

from tests.factories import make_account

VALID_USCC = "91350100M000100Y43"


@pytest.fixture
def new_supplier(app):
    return make_account("supplier")


def submit(client, account, uscc=VALID_USCC, legal_name="平阴玫瑰生物科技有限公司"):
    return client.post("/api/v1/organizations/me/verification",
                       json={"legal_name": legal_name, "uscc": uscc}, headers=account.headers)


def test_supplier_submits_and_operator_approves_with_audit_entry(client, new_supplier, operator):
    response = submit(client, new_supplier)
    assert response.status_code == 202
    assert response.json["verification_status"] == "pending"

    org_id = new_supplier.org.id
    decision = client.post(f"/api/v1/moderation/organizations/{org_id}/verification",
                           json={"decision": "approve"}, headers=operator.headers)
    assert decision.status_code == 200
    assert decision.json["verification_status"] == "verified"

    me = client.get("/api/v1/me", headers=new_supplier.headers)
    assert me.json["organization"]["verification_status"] == "verified"

    log = client.get(f"/api/v1/moderation/audit-log?target_id={org_id}", headers=operator.headers)
    assert log.status_code == 200
    assert log.json["total"] == 1
    entry = log.json["items"][0]
    assert entry["action"] == "organization.verification.approve"
    assert entry["actor_id"] == operator.user.id
    assert entry["details"]["before"] == "pending"
    assert entry["details"]["after"] == "verified"


def test_reject_needs_reason_and_supplier_sees_it(client, new_supplier, operator):
    submit(client, new_supplier)
    url = f"/api/v1/moderation/organizations/{new_supplier.org.id}/verification"
    no_reason = client.post(url, json={"decision": "reject"}, headers=operator.headers)
    assert no_reason.status_code == 422
    assert "reason" in no_reason.json["errors"]["json"]
    rejected = client.post(url, json={"decision": "reject", "reason": "营业执照模糊，请重新上传"},
                           headers=operator.headers)
    assert rejected.json["verification_status"] == "rejected"
    me = client.get("/api/v1/me", headers=new_supplier.headers)
    assert me.json["organization"]["verification_reason"] == "营业执照模糊，请重新上传"
    # A rejected supplier may submit again.
    assert submit(client, new_supplier).status_code == 202


@pytest.mark.parametrize(
    "uscc",
    ["91350100M000100Y44", "91350100M000100Y4", "9135010OM000100Y43", "abcdefghijklmnopqr", ""],
)
def test_invalid_uscc_is_422(client, new_supplier, uscc):
    response = submit(client, new_supplier, uscc=uscc)
    assert response.status_code == 422
    assert "uscc" in response.json["errors"]["json"]


def test_same_uscc_cannot_verify_two_organizations(client, new_supplier):
    assert submit(client, new_supplier).status_code == 202
    second = make_account("supplier")
    assert submit(client, second).status_code == 409


def test_pending_request_cannot_be_resubmitted(client, new_supplier):
    submit(client, new_supplier)
    assert submit(client, new_supplier).status_code == 409


def test_buyer_cannot_request_verification(client, buyer):
    assert submit(client, buyer).status_code == 403


def test_member_who_is_not_owner_cannot_request_verification(client):
    member = make_account("supplier", role="member")
    assert submit(client, member).status_code == 403


def test_operator_only_endpoints_refuse_suppliers(client, supplier, new_supplier):
    submit(client, new_supplier)
    url = f"/api/v1/moderation/organizations/{new_supplier.org.id}/verification"
    decision = client.post(url, json={"decision": "approve"}, headers=supplier.headers)
    assert decision.status_code == 403
    assert client.get("/api/v1/moderation/audit-log", headers=supplier.headers).status_code == 403


def test_decision_on_unknown_org_is_404_and_on_unsubmitted_is_409(client, operator, new_supplier):
    missing = client.post("/api/v1/moderation/organizations/org_doesnotexist0000/verification",
                          json={"decision": "approve"}, headers=operator.headers)
    assert missing.status_code == 404
    not_pending = client.post(
        f"/api/v1/moderation/organizations/{new_supplier.org.id}/verification",
        json={"decision": "approve"}, headers=operator.headers)
    assert not_pending.status_code == 409
