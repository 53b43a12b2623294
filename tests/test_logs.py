"""Logs: JSON lines with a request id, and never a secret, key, token or payload in them."""

import io
import json
import logging
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import structlog
from cryptography.fernet import Fernet
from fastapi.testclient import TestClient
from structlog.testing import capture_logs

from hookdesk import logs
from hookdesk.app import create_app
from hookdesk.config import Settings
from hookdesk.db import Database
from tests.support.processes import HOOKDESK, answers, free_port
from tests.support.receivers import Receiver
from tests.support.waiting import wait_until


@dataclass
class Served:
    url: str
    process: subprocess.Popen[bytes]
    stdout: Path
    stderr: Path
    secret_key: str

    def stop(self) -> list[dict[str, object]]:
        """Stop the server; every line it logged, each of which must be a JSON object."""
        self.process.send_signal(signal.SIGINT)
        self.process.wait(timeout=30)
        return [json.loads(line) for line in self.stderr.read_text().splitlines()]


@pytest.fixture
def served(db: Database, tmp_path: Path) -> Iterator[Served]:
    port = free_port()
    secret_key = Fernet.generate_key().decode()
    env = {
        **os.environ,
        "HOOKDESK_SECRET_KEY": secret_key,
        "HOOKDESK_LOG_FORMAT": "json",  # --dev alone writes readable lines
        "HOOKDESK_LOG_LEVEL": "debug",
        "HOOKDESK_RETRY_SCHEDULE": "0.2,0.2",
    }
    stdout, stderr = tmp_path / "serve.out", tmp_path / "serve.err"
    command = [HOOKDESK, "serve", "--dev", "--port", str(port), "--database-url", db.url]
    process = subprocess.Popen(
        command, cwd=tmp_path, env=env, stdout=stdout.open("wb"), stderr=stderr.open("wb")
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: answers(f"{url}/healthz"), what="the server to start", timeout=30)
        yield Served(url, process, stdout, stderr, secret_key)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


@pytest.mark.slow
def test_a_full_run_logs_no_secret(served: Served, receiver: Receiver) -> None:
    key = json.loads(served.stdout.read_text())["api_key"]
    api = httpx.Client(base_url=served.url, headers={"Authorization": f"Bearer {key}"}, timeout=10)
    secrets = [key, served.secret_key]

    def ok(path: str, body: object = None) -> dict:
        answer = api.post(path, json=body)
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    client = ok("/v2/agency/clients/create", {"name": "Zelda Quill", "email": "zq@example.com"})
    teammate = ok("/v2/agency/teammates/create", {"name": "Ada", "email": "ada@example.com"})
    category = ok("/v2/agency/ticket-categories/create", {"title": "General", "language": "en"})[
        "ticket_category"
    ]
    header_value = "receiver-key-7f3a9c"
    hook = ok(
        "/v2/webhook-endpoints/create",
        {
            "url": receiver.url,
            "events": ["whitelabel.ticket.created", "whitelabel.ticket.updated"],
            "headers": {"X-Receiver-Key": header_value},
        },
    )["webhook_endpoint"]
    rotated = ok(f"/v2/webhook-endpoints/rotate-secret/{hook['id']}")["webhook_endpoint"]
    secrets += [hook["secret"], rotated["secret"], header_value]
    description = "My card 4242 keeps failing at checkout, please help"
    ticket = ok(
        "/v2/agency/tickets/create",
        {
            "client_id": client["client"]["id"],
            "title": "Billing trouble",
            "description": description,
            "category": category["id"],
        },
    )["ticket"]
    reply = "We refunded the order Z-77123 to your card"
    ok(f"/v2/agency/tickets/reply/create/{ticket['id']}", {"reply": reply})
    invite = ok(f"/v2/agency/teammates/invite/{teammate['teammate']['id']}")["url"]
    portal = ok(f"/v2/agency/clients/portal-session/{client['client']['id']}")["url"]
    for link in (invite, portal):
        assert httpx.get(link, timeout=10).status_code == 200
        secrets.append(link.rsplit("/", 1)[1])
    wrong_key = "hk_0123456789abcdef_" + "W" * 43
    assert (
        httpx.get(
            f"{served.url}/v2/agency/clients/list", headers={"Authorization": f"Bearer {wrong_key}"}
        ).status_code
        == 401
    )
    secrets.append(wrong_key)
    receiver.wait_for(2)

    lines = served.stop()

    logged = "\n".join(json.dumps(line) for line in lines)
    for secret in secrets:
        assert secret not in logged, f"a secret was logged: {secret[:8]}…"
    for words in (description, reply, "Zelda Quill", "zq@example.com"):
        assert words not in logged
    requests = [line for line in lines if line["event"] == "request"]
    assert len(requests) >= 12
    assert all(str(line["request_id"]).startswith("req_") for line in requests)
    paths = {line["path"] for line in requests}
    assert "/portal/enter/{token}" in paths and "/console/invite/{token}" in paths


@pytest.mark.slow  # a process of its own
def test_outside_development_mode_the_lines_are_json(db: Database, tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "HOOKDESK_SECRET_KEY": Fernet.generate_key().decode()}
    env.pop("HOOKDESK_LOG_FORMAT", None)
    stderr = tmp_path / "serve.err"
    process = subprocess.Popen(
        [HOOKDESK, "serve", "--port", str(port), "--database-url", db.url],
        cwd=tmp_path,
        env=env,
        stderr=stderr.open("wb"),
    )
    served = Served(f"http://127.0.0.1:{port}", process, tmp_path / "none", stderr, "")
    try:
        wait_until(lambda: answers(f"{served.url}/healthz"), what="the server to start", timeout=30)
        answer = httpx.get(
            f"{served.url}/v2/agency/clients/list", headers={"X-Request-Id": "lb-42"}
        )
        assert answer.headers["x-request-id"] == "lb-42"
    finally:
        lines = served.stop()
    [request] = [line for line in lines if line["event"] == "request"]  # probes: debug only
    assert request["request_id"] == "lb-42"
    assert request["status"] == 401
    assert request["level"] == "info" and str(request["timestamp"]).endswith("Z")
    assert any(line["event"] == "serving" for line in lines)


def test_every_answer_carries_a_request_id(http: TestClient, api) -> None:
    answers = [
        http.get("/healthz"),
        http.get("/v2/agency/clients/list"),  # 401
        api.get("/v2/agency/tickets/retrieve/00000000-0000-4000-8000-000000000000"),  # 404
        api.post("/v2/agency/clients/create", {"name": ""}),  # 400
        http.get("/console/sign-in"),  # a page
    ]
    ids = [answer.headers["x-request-id"] for answer in answers]
    assert all(request_id.startswith("req_") for request_id in ids)
    assert len(set(ids)) == len(ids)


def test_a_request_id_that_does_not_look_like_one_is_replaced(http: TestClient) -> None:
    for given in ("x" * 129, "has space", "new\\nline"):
        answer = http.get("/healthz", headers={"X-Request-Id": given})
        assert answer.headers["x-request-id"].startswith("req_")


def test_an_unexpected_error_names_its_request(settings: Settings, db: Database) -> None:
    app = create_app(settings, db)

    def broken() -> None:
        raise RuntimeError("a bug")

    app.add_api_route("/v2/broken", broken)
    with TestClient(app, raise_server_exceptions=False) as http, capture_logs() as logs:
        answer = http.get("/v2/broken", headers={"X-Request-Id": "trace-9"})
    assert answer.status_code == 500
    assert answer.headers["x-request-id"] == "trace-9"
    assert answer.json()["error"].endswith("(request id trace-9).")
    [error] = [line for line in logs if line["event"] == "unexpected error"]
    assert error["request_id"] == "trace-9" and error["log_level"] == "error"


@pytest.fixture
def logs_put_back() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers, root.level
    try:
        yield
    finally:
        root.handlers, root.level = handlers, level
        structlog.reset_defaults()


@pytest.mark.usefixtures("logs_put_back")
def test_structlog_and_standard_library_lines_share_one_shape_and_level(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    stderr_lines = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stderr_lines)  # in the test: pytest sets it per phase
    logs.configure(settings.model_copy(update={"log_level": "warning", "log_format": "json"}))
    ours = structlog.get_logger("hookdesk.test")
    ours.info("below the level")
    ours.warning("ours", key="hk_0123456789abcdef_secret")
    logging.getLogger("uvicorn.error").info("below the level too")
    logging.getLogger("uvicorn.error").warning("theirs %s", "formatted")
    try:
        raise ValueError("broken")
    except ValueError:
        ours.exception("failed")
    lines = [json.loads(line) for line in stderr_lines.getvalue().splitlines()]
    assert [line["event"] for line in lines] == ["ours", "theirs formatted", "failed"]
    assert [line["logger"] for line in lines] == ["hookdesk.test", "uvicorn.error", "hookdesk.test"]
    assert [line["level"] for line in lines] == ["warning", "warning", "error"]
    assert all(str(line["timestamp"]).endswith("Z") for line in lines)
    assert lines[0]["key"] == logs.MASK
    assert "ValueError: broken" in lines[2]["exception"]


@pytest.mark.usefixtures("logs_put_back")
def test_a_line_that_cannot_be_written_is_dropped_and_the_caller_goes_on(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """stderr closed or its pipe broken: the request or the dispatcher that logs goes on."""
    stderr_lines = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stderr_lines)
    logs.configure(settings.model_copy(update={"log_format": "json"}))
    ours = structlog.get_logger("hookdesk.test")
    ours.info("written")
    written = stderr_lines.getvalue()
    stderr_lines.close()
    ours.info("dropped")
    ours.error("dropped too")
    assert json.loads(written)["event"] == "written"
