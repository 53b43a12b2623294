"""The receiver SDK installs into a clean venv without the server's dependencies, and works."""

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]

PROGRAM = textwrap.dedent(
    """
    import importlib.util, json, sys, time
    from hookdesk.receiver import TicketCreated, parse_event, verify, NoMatchingSignature
    from hookdesk.receiver.signing import new_secret, secret_key, signature_headers

    body = open(sys.argv[1], "rb").read()
    secret = new_secret()
    headers = signature_headers([secret_key(secret)], "whev_x", int(time.time()), body)
    verify(body, headers, secret)
    try:
        verify(body + b" ", headers, secret)
    except NoMatchingSignature:
        pass
    else:
        raise SystemExit("a changed body verified")
    assert isinstance(parse_event(body), TicketCreated)
    absent = [m for m in ("fastapi", "sqlalchemy", "aiohttp", "starlette", "uvicorn")
              if importlib.util.find_spec(m) is not None]
    print(json.dumps({"present_server_modules": absent}))
    """
)


@pytest.mark.slow
def test_the_sdk_alone_needs_only_pydantic(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", str(ROOT)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert install.returncode == 0, install.stderr
    golden = ROOT / "docs" / "events" / "whitelabel.ticket.created.json"
    run = subprocess.run(
        [str(python), "-c", PROGRAM, str(golden)], capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == '{"present_server_modules": []}'
    command = subprocess.run(
        [str(venv / "bin" / "hookdesk"), "serve"], capture_output=True, text=True, timeout=60
    )
    assert command.returncode == 1
    assert "pip install 'hookdesk[server]'" in command.stderr
