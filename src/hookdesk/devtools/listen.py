"""`hookdesk listen --forward-to URL`: the account's events, signed, forwarded to a local app.

The server streams the events (`GET /v2/events/stream`); each is signed here with this session's
secret, exactly as a delivery is, and POSTed to the local URL, with a line printed per event. If
the server goes away the stream resumes after the last forwarded event; if the local app is
down, an event is retried a few times before it is reported failed. Delivery is at least once:
an event may arrive twice around a reconnection, always with the same event id.
"""

import os
from typing import Annotated

import typer

from hookdesk.devtools.client import DEFAULT_API_URL, ApiKey, ApiUrl


def listen(
    forward_to: Annotated[str, typer.Option("--forward-to", help="Your app's webhook URL.")],
    events: Annotated[
        str | None, typer.Option("--events", help="Comma-separated event types (default: all).")
    ] = None,
    secret: Annotated[
        str | None,
        typer.Option(
            "--secret", help="Sign with this whsec_ secret. \\[env: HOOKDESK_LISTEN_SECRET]"
        ),
    ] = None,
    api_url: ApiUrl = None,
    api_key: ApiKey = None,
) -> None:
    """Stream the account's events to a local app, signed, like `stripe listen`."""
    # httpx and the receiver SDK load when the command runs, not for `hookdesk --help`.
    from hookdesk.devtools.forwarding import Session, err, out  # noqa: PLC0415
    from hookdesk.receiver.signing import new_secret  # noqa: PLC0415

    key = api_key or os.environ.get("HOOKDESK_API_KEY")
    if not key:
        err.print("error: no API key: pass --api-key or set HOOKDESK_API_KEY")
        raise typer.Exit(1)
    signing_secret = secret or os.environ.get("HOOKDESK_LISTEN_SECRET") or new_secret()
    session = Session(
        api_url=(api_url or os.environ.get("HOOKDESK_API_URL") or DEFAULT_API_URL).rstrip("/"),
        api_key=key,
        forward_to=forward_to,
        events=events,
        secret=signing_secret,
    )
    print(f"Ready! Your webhook signing secret is {signing_secret}", flush=True)
    out.print(f"Forwarding events to {forward_to} (Ctrl-C to stop)")
    try:
        session.run()
    except KeyboardInterrupt:
        out.print("Stopped.")
