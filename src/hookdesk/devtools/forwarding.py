"""The work of `hookdesk listen` (and of the demo's listener): stream the account's events,
sign each with the session's secret and forward it to the local app.

It imports httpx and the receiver SDK (pydantic), so `hookdesk.devtools.listen` imports it only
when the command runs.
"""

import json
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import typer
from rich.console import Console

from hookdesk.receiver.signing import secret_key, signature_headers

FORWARD_TIMEOUT = 10.0
FORWARD_TRIES = 5
RECONNECT_DELAYS = (0.5, 1, 2, 5)

out = Console(soft_wrap=True, highlight=False)
err = Console(stderr=True, soft_wrap=True)


@dataclass(frozen=True)
class StreamEvent:
    seq: str
    event_type: str
    body: bytes


class Session:
    def __init__(
        self,
        *,
        api_url: str,
        api_key: str,
        forward_to: str,
        events: str | None,
        secret: str,
        show_lines: bool = True,
    ) -> None:
        self.show_lines = show_lines
        self.api_url = api_url
        self.forward_to = forward_to
        self.events = events
        self.session_id = str(uuid.uuid4())
        self.key = secret_key(secret)
        self.last_seq: str | None = None
        self.headers = {"Authorization": f"Bearer {api_key}", "Accept": "text/event-stream"}
        self.local = httpx.Client(timeout=FORWARD_TIMEOUT)
        self._stopping = threading.Event()
        self._response: httpx.Response | None = None

    def stop(self) -> None:
        """End `run` from another thread, closing the stream at once."""
        self._stopping.set()
        if self._response is not None:
            self._response.close()

    def run(self) -> None:
        failures = 0
        while not self._stopping.is_set():
            try:
                for event in self._stream():
                    failures = 0
                    self._forward(event)
                    self.last_seq = event.seq
            except httpx.HTTPStatusError as error:
                if error.response.status_code in (400, 401, 404):
                    err.print(f"error: {_describe(error.response)}")
                    raise typer.Exit(1) from None
            except (httpx.TransportError, httpx.StreamClosed) as error:
                if self._stopping.is_set():
                    return
                delay = RECONNECT_DELAYS[min(failures, len(RECONNECT_DELAYS) - 1)]
                failures += 1
                err.print(f"[yellow]lost hookdesk ({error!s:.80}); reconnecting in {delay} s[/]")
                time.sleep(delay)

    def _stream(self) -> Iterator[StreamEvent]:
        params = {"session": self.session_id}
        if self.events:
            params["events"] = self.events
        headers = dict(self.headers)
        if self.last_seq is not None:
            headers["Last-Event-ID"] = self.last_seq
        timeout = httpx.Timeout(10.0, read=60.0)  # the server sends a keep-alive every 15 s
        url = f"{self.api_url}/v2/events/stream"
        with httpx.stream("GET", url, params=params, headers=headers, timeout=timeout) as response:
            response.raise_for_status()
            self._response = response
            yield from _parse(response.iter_lines())

    def _forward(self, event: StreamEvent) -> None:
        """POST the event; retried only while the local app cannot be reached at all."""
        event_id = json.loads(event.body)["event_id"]
        for attempt in range(1, FORWARD_TRIES + 1):
            started = time.perf_counter()
            status = self._post(event_id, event.body)
            elapsed = (time.perf_counter() - started) * 1000
            if self.show_lines:
                _print_line(event.event_type, event_id, status, elapsed)
            if not status.startswith("[red]unreachable"):
                return
            if attempt < FORWARD_TRIES:
                time.sleep(min(2**attempt * 0.25, 4))
        err.print(f"[red]gave up forwarding {event_id} after {FORWARD_TRIES} tries[/]")

    def _post(self, event_id: str, body: bytes) -> str:
        signed = signature_headers([self.key], event_id, int(time.time()), body)
        try:
            response = self.local.post(
                self.forward_to,
                content=body,
                headers={**signed, "Content-Type": "application/json"},
            )
        except httpx.TransportError as error:
            return f"[red]unreachable: {error!s:.60}[/]"
        colour = "green" if 200 <= response.status_code < 300 else "red"
        return f"[{colour}]{response.status_code}[/]"


def _parse(lines: Iterator[str]) -> Iterator[StreamEvent]:
    """Server-sent events from the stream's lines (comments and retries ignored)."""
    fields: dict[str, list[str]] = {}
    for line in lines:
        if line == "":
            if "data" in fields:
                yield StreamEvent(
                    seq="".join(fields.get("id", [""])),
                    event_type="".join(fields.get("event", ["message"])),
                    body="\n".join(fields["data"]).encode(),
                )
            fields = {}
        elif not line.startswith(":"):
            name, _, value = line.partition(":")
            fields.setdefault(name, []).append(value.removeprefix(" "))


def _print_line(event_type: str, event_id: str, outcome: str, elapsed_ms: float) -> None:
    now = datetime.now(tz=UTC).strftime("%H:%M:%S")
    out.print(f"{now}  --> {event_type:<27} {event_id}  <-- {outcome}  {elapsed_ms:.0f} ms")


def _describe(response: httpx.Response) -> str:
    response.read()
    try:
        return str(response.json().get("error", response.text))
    except ValueError:
        return f"HTTP {response.status_code}"
