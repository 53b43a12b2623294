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
