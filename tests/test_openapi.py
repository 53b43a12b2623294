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


def test_every_route_documents_the_errors_it_can_answer(http: TestClient) -> None:
    schema = http.get("/openapi.json").json()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            documented = set(operation["responses"])
            name = f"{method.upper()} {path}"
            assert "200" in documented, name
            if not operation.get("security"):
                continue
            assert {"401", "429", "503"} <= documented, name
            if "{" in path:
                assert "404" in documented, name
            if "requestBody" in operation:
                assert "413" in documented, name


def test_every_json_body_has_an_example(http: TestClient) -> None:
    schema = http.get("/openapi.json").json()
    components = schema["components"]["schemas"]
    bodies = [
        (path, operation["requestBody"]["content"]["application/json"]["schema"])
        for path, operations in schema["paths"].items()
        for operation in operations.values()
        if "application/json" in operation.get("requestBody", {}).get("content", {})
    ]
    assert len(bodies) >= 12
    for path, body in bodies:
        referenced = body.get("$ref") or next(
            item["$ref"] for item in body.get("anyOf", []) if "$ref" in item
        )
        component = components[referenced.rsplit("/", 1)[1]]
        assert component.get("examples"), path
    assert components["ErrorBody"]["examples"]
