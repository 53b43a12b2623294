"""A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps what it receives and answers as told."""

import asyncio
import threading
import time
from collections import deque
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from tests.support.processes import free_port


@dataclass(frozen=True)
class Received:
    sender: str
    recipients: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        parsed = message_from_bytes(self.data, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


class SmtpServer:
    """Messages end in `received`; `answer_with` scripts the next answers to DATA (for example
    "451 4.3.0 try later" or "550 5.1.1 no such user"); `stop`/`start` take it down and back up
    on the same port; `connections` counts the sessions opened; `delay` (seconds) slows each
    answer to DATA, as a busy server would."""

    def __init__(self) -> None:
        self.port = free_port()
        self.received: list[Received] = []
        self.connections = 0
        self.delay = 0.0
        self._script: deque[str] = deque()
        self._lock = threading.Condition()
        self._controller: Controller | None = None
        self.start()

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> None:
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def answer_with(self, *answers: str) -> None:
        with self._lock:
            self._script.extend(answers)

    def wait_for(self, count: int, timeout: float = 15.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        with self._lock:
            while len(self.received) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"got {len(self.received)} messages, expected {count}")
                self._lock.wait(left)
            return list(self.received)

    # aiosmtpd's handler hooks

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        with self._lock:
            self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.delay:
            await asyncio.sleep(self.delay)
        with self._lock:
            if self._script:
                return self._script.popleft()
            self.received.append(
                Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.content))
            )
            self._lock.notify_all()
        return "250 2.0.0 Message accepted for delivery"
