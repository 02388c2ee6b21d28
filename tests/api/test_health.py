def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}


def test_readyz_reports_database(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json["checks"]["database"] == "ok"


def test_openapi_document_and_docs_ui(client):
    spec = client.get("/api/openapi.json")
    assert spec.status_code == 200
    paths = spec.json["paths"]
    for path in ("/api/v1/auth/register", "/api/v1/auth/tokens", "/api/v1/me",
                 "/api/v1/organizations/me/verification",
                 "/api/v1/moderation/organizations/{org_id}/verification"):
        assert path in paths
    assert "bearerAuth" in spec.json["components"]["securitySchemes"]
    docs = client.get("/api/docs")
    assert docs.status_code == 200
    assert b"swagger" in docs.data.lower()
    asset = client.get("/api/docs/assets/swagger-ui-bundle.js")
    assert asset.status_code == 200
    asset.close()


def test_unknown_route_answers_json_404(client):
    response = client.get("/api/v1/nope")
    assert response.status_code == 404
    assert response.json["code"] == 404
