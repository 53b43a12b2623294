"""`hookdesk listen` forwards signed events to a local app, through restarts of both sides."""

import json
import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from cryptography.fernet import Fernet

from hookdesk.receiver import parse_event, verify
from tests.support.processes import HOOKDESK, answers, free_port
from tests.support.receivers import Receiver
from tests.support.waiting import wait_until


class Server:
    """`hookdesk serve --dev` on a SQLite file, restartable on the same port."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "HOOKDESK_SECRET_KEY": Fernet.generate_key().decode()}
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        self.starts += 1
        log = (self.folder / f"serve-{self.starts}.log").open("wb")
        self.process = subprocess.Popen(
            [HOOKDESK, "serve", "--dev", "--port", str(self.port)],
            cwd=self.folder,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        wait_until(lambda: answers(f"{self.url}/healthz"), what="the server to start", timeout=30)

    def api_key(self) -> str:
        first = (self.folder / "serve-1.log").read_text()
        return str(json.loads(re.search(r"\{.*\"api_key\".*\}", first).group(0))["api_key"])  # type: ignore[union-attr]

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    running = Server(tmp_path)
    running.start()
    yield running
    if running.process and running.process.poll() is None:
        running.process.kill()
        running.process.wait(timeout=10)


def api_call(server: Server, key: str, path: str, body: dict) -> dict:
    response = httpx.post(
        f"{server.url}{path}", json=body, headers={"Authorization": f"Bearer {key}"}, timeout=10
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


@pytest.mark.slow
def test_listen_forwards_through_restarts(server: Server, tmp_path: Path) -> None:
    key = server.api_key()
    receiver = Receiver()
    port = int(receiver.url.split(":")[2].split("/")[0])
    listen_log = tmp_path / "listen.log"
    listener = subprocess.Popen(
        [
            HOOKDESK,
            "listen",
            "--forward-to",
            receiver.url,
            "--api-url",
            server.url,
            "--api-key",
            key,
        ],
        stdout=listen_log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    try:
        wait_until(
            lambda: "signing secret is whsec_" in listen_log.read_text(),
            what="listen to start",
            timeout=30,
        )
        secret = re.search(r"whsec_\S+", listen_log.read_text()).group(0)  # type: ignore[union-attr]
        time.sleep(1.0)  # the stream is open once the server has answered its first poll
        client = api_call(
            server, key, "/v2/agency/clients/create", {"name": "A", "email": "a@example.com"}
        )["client"]
        category = api_call(
            server, key, "/v2/agency/ticket-categories/create", {"title": "G", "language": "en"}
        )["ticket_category"]
        ticket = api_call(
            server,
            key,
            "/v2/agency/tickets/create",
            {
                "client_id": client["id"],
                "title": "Listen",
                "description": "d",
                "category": category["id"],
            },
        )["ticket"]
        [first] = receiver.wait_for(1)
        verify(first.body, first.headers, secret)
        created = parse_event(first.body)
        assert created.event_type == "whitelabel.ticket.created"
        assert created.data.ticket.id == ticket["id"]

        # The server is killed and comes back: the stream resumes where it was.
        server.kill()
        server.start()
        api_call(
            server,
            key,
            f"/v2/agency/tickets/reply/create/{ticket['id']}",
            {"reply": "after restart"},
        )
        receiver.wait_for(2, timeout=30)

        # The local app goes away; an event meanwhile is retried until it is back.
        receiver.close()
        api_call(server, key, f"/v2/agency/tickets/resolve/{ticket['id']}", {})
        time.sleep(1.0)
        receiver = Receiver(port)
        received = receiver.wait_for(1, timeout=30)
        types = {parse_event(r.body).event_type for r in received}
        assert "whitelabel.ticket.resolved" in types
        for request in received:
            verify(request.body, request.headers, secret)
        output = listen_log.read_text()
        assert "whitelabel.ticket.created" in output
        assert "unreachable" in output
        assert "Traceback" not in output
    finally:
        listener.send_signal(signal.SIGINT)
        try:
            listener.wait(timeout=10)
        except subprocess.TimeoutExpired:
            listener.kill()
        receiver.close()
