from fastapi.testclient import TestClient


def test_the_document_shows_the_errors_hookdesk_sends(http: TestClient) -> None:
    schema = http.get("/openapi.json").json()
    operations = [op for path in schema["paths"].values() for op in path.values()]
    assert len(operations) >= 30
    for operation in operations:
        assert "422" not in operation["responses"], operation["operationId"]
    with_input = [op for op in operations if op.get("parameters") or op.get("requestBody")]
    for operation in with_input:
        assert "400" in operation["responses"], operation["operationId"]
    assert "HTTPValidationError" not in schema["components"]["schemas"]
    assert "ErrorBody" in schema["components"]["schemas"]


def test_every_route_that_takes_an_api_key_documents_its_429(http: TestClient) -> None:
    schema = http.get("/openapi.json").json()
    paths = schema["paths"]
    with_key = [op for path in paths.values() for op in path.values() if op.get("security")]
    assert len(with_key) >= 30
    for operation in with_key:
        answer = operation["responses"]["429"]
        assert answer["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorBody")
        assert answer["headers"]["Retry-After"]["schema"]["type"] == "integer"
    assert "429" not in paths["/healthz"]["get"]["responses"]
    assert "429" in paths["/v2/events/stream"]["get"]["responses"]
