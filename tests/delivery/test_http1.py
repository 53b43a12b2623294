"""The webhook sender's own HTTP/1.1 client against receivers that answer in every way HTTP
allows: the bytes it sends, the answers it reads, the failures it words."""

import contextlib
import datetime
import gzip
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from hookdesk.webhooks.dispatch.http1 import Http1Sender
from hookdesk.webhooks.dispatch.sender import RESPONSE_BODY_LIMIT, Request, Result
from hookdesk.webhooks.log.outcomes import in_words

Handler = Callable[[socket.socket], None]


@pytest.fixture
def serve() -> Iterator[Callable[[Handler], str]]:
    """Serves each connection with a handler of raw bytes; the URL to POST to."""
    listeners: list[socket.socket] = []

    def start(handler: Handler) -> str:
        listener = socket.create_server(("127.0.0.1", 0))
        listeners.append(listener)

        def accept() -> None:
            while True:
                try:
                    connection, _ = listener.accept()
                except OSError:
                    return
                threading.Thread(target=handler, args=(connection,), daemon=True).start()

        threading.Thread(target=accept, daemon=True).start()
        return f"http://127.0.0.1:{listener.getsockname()[1]}/hook?x=1"

    yield start
    for listener in listeners:
        listener.close()


def read_request(connection: socket.socket) -> bytes | None:
    """The next request on `connection`; None once the sender has closed it, or reset it (as it
    may a connection it will not use again)."""
    data = b""
    while b"\r\n\r\n" not in data:
        try:
            chunk = connection.recv(65536)
        except ConnectionResetError:
            return None
        if not chunk:
            return None
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":")[1])
        for line in head.split(b"\r\n")
        if line.startswith(b"Content-Length")
    )
    while len(body) < length:
        body += connection.recv(65536)
    return data


def answering(raw: bytes, *, close: bool = False, seen: list[bytes] | None = None) -> Handler:
    def handle(connection: socket.socket) -> None:
        with connection:
            while (request := read_request(connection)) is not None:
                if seen is not None:
                    seen.append(request)
                connection.sendall(raw)
                if close:
                    return

    return handle


async def send(url: str, body: bytes = b'{"a":1}') -> Result:
    async with Http1Sender(timeout=3, allow_private=True, user_agent="hookdesk/t") as sender:
        return await sender.send(Request(url, body, {"X-Custom": "1", "webhook-id": "whev_1"}))


async def test_the_request_is_the_bytes_aiohttp_sent(serve: Callable[[Handler], str]) -> None:
    seen: list[bytes] = []
    url = serve(answering(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", seen=seen))
    result = await send(url)
    port = url.split(":")[2].split("/")[0]
    assert (result.status_code, result.error, result.response_body) == (200, None, "ok")
    assert seen == [
        f"POST /hook?x=1 HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUser-Agent: hookdesk/t\r\n"
        'X-Custom: 1\r\nwebhook-id: whev_1\r\nContent-Length: 7\r\n\r\n{"a":1}'.encode()
    ]


async def test_a_connection_is_kept_alive_for_the_next_send(
    serve: Callable[[Handler], str],
) -> None:
    connections: list[int] = []

    def handle(connection: socket.socket) -> None:
        connections.append(1)
        answering(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")(connection)

    url = serve(handle)
    async with Http1Sender(timeout=3, allow_private=True, user_agent="t") as sender:
        for _ in range(3):
            assert (await sender.send(Request(url, b"{}", {}))).status_code == 200
    assert len(connections) == 1


async def test_a_connection_that_sent_more_than_its_answer_is_not_used_again(
    serve: Callable[[Handler], str],
) -> None:
    answer = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
    url = serve(answering(answer + b"HTTP/1.1 500 Unasked\r\nContent-Length: 0\r\n\r\n"))
    async with Http1Sender(timeout=3, allow_private=True, user_agent="t") as sender:
        for _ in range(3):
            result = await sender.send(Request(url, b"{}", {}))
            assert (result.status_code, result.response_body) == (200, "ok")


gzipped = gzip.compress(b"zipped ok")


@pytest.mark.parametrize(
    ("raw", "close", "status", "body"),
    [
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", False, 200, "hello"),
        (b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the end", True, 200, "until the end"),
        (b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n%s" % (len(gzipped), gzipped), False, 200, "zipped ok"),
        (b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok", False, 201, "ok"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\na\x00b", False, 200, "ab"),
        (b"HTTP/1.1 500 No\r\nContent-Length: 100000\r\n\r\n" + b"x" * 100000, False, 500, "x" * RESPONSE_BODY_LIMIT),
    ],
    ids=["chunked", "until-closed", "gzip", "1xx-first", "nul", "capped"],
)  # fmt: skip
async def test_answers(
    serve: Callable[[Handler], str], raw: bytes, close: bool, status: int, body: str
) -> None:
    result = await send(serve(answering(raw, close=close)))
    assert (result.status_code, result.response_body) == (status, body)


async def test_a_redirect_and_a_retry_after(serve: Callable[[Handler], str]) -> None:
    redirect = b"HTTP/1.1 302 Found\r\nLocation: /moved\xff\r\nContent-Length: 0\r\n\r\n"
    result = await send(serve(answering(redirect)))
    assert result.error == "redirect to /moved\ufffd not followed"
    slow_down = b"HTTP/1.1 429 Slow\r\nRetry-After: 7\r\nContent-Length: 0\r\n\r\n"
    result = await send(serve(answering(slow_down)))
    assert (result.error, result.retry_after) == ("HTTP 429", 7.0)


async def test_failures_in_the_words_of_the_tree(serve: Callable[[Handler], str]) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    refused = await send(f"http://127.0.0.1:{port}/hook")
    assert refused.error == (
        f"connection failed: Cannot connect to host 127.0.0.1:{port} ssl:default "
        f"[Connect call failed ('127.0.0.1', {port})]"
    )
    closed = await send(serve(answering(b"", close=True)))
    assert closed.error == "connection failed: Server disconnected"
    cut = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel"
    cut_short = await send(serve(answering(cut, close=True)))
    assert (cut_short.status_code, cut_short.error) == (
        None,
        "connection failed: Server disconnected",
    )
    garbage = await send(serve(answering(b"NOT HTTP\r\n\r\n")))
    assert (garbage.error or "").startswith("request failed: ")
    unknown = await send("http://nothing.invalid/hook")
    assert unknown.error == "DNS lookup failed: nothing.invalid"

    def never_answer(connection: socket.socket) -> None:
        read_request(connection)

    silent = serve(never_answer)
    async with Http1Sender(timeout=0.5, allow_private=True, user_agent="t") as sender:
        timed_out = await sender.send(Request(silent, b"{}", {}))
    assert timed_out.error == "timeout after 0.5 s"


def self_signed(directory: Path) -> ssl.SSLContext:
    """A server's TLS context with a certificate for localhost that no CA signed."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .sign(key, hashes.SHA256())
    )
    (directory / "cert.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    (directory / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(directory / "cert.pem", directory / "key.pem")
    return context


async def test_a_certificate_no_ca_signed_is_refused(
    serve: Callable[[Handler], str], tmp_path: Path
) -> None:
    context = self_signed(tmp_path)

    def handshake(connection: socket.socket) -> None:
        with contextlib.suppress(OSError), context.wrap_socket(connection, server_side=True):
            pass

    url = serve(handshake).replace("http://127.0.0.1", "https://localhost")
    result = await send(url)
    port = url.split(":")[2].split("/")[0]
    assert result.status_code is None
    # In aiohttp's words, which attempts stored before; OpenSSL's own words after them vary.
    assert (result.error or "").startswith(
        f"TLS error: Cannot connect to host localhost:{port} ssl:True [SSLCertVerificationError: "
    )
    assert "CERTIFICATE_VERIFY_FAILED" in (result.error or "")
    assert in_words(result.status_code, result.error) == (
        "TLS failed: the receiver's certificate could not be verified."
    )
