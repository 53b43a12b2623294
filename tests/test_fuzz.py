"""Schemathesis against the service's own OpenAPI document: no generated input gets a 5xx, and
every answer is one the document declares: its status, content type, headers and body schema.

The real `hookdesk serve` runs on the suite's database; schemathesis's examples, coverage, fuzzing
and stateful phases drive every route (but the endless event stream) with a real API key. Its
hooks (tests/schemathesis_hooks.py) plant NUL, lone surrogates, other scripts' digits, numbers of
thousands of digits and deeply nested JSON in the generated requests.
Schemathesis's positive-data check is left out: hookdesk's rules go beyond what JSON Schema says
(text is trimmed before its length counts, times are Unix seconds or ISO 8601, endpoint URLs must
be safe), so some schema-valid input is rightly refused with a documented 400.
"""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from hookdesk.db import Database
from tests.support.processes import answers, free_port
from tests.support.waiting import wait_until

BIN = Path(sys.executable).parent
ROOT = Path(__file__).parent.parent
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "response_headers_conformance",
    "unsupported_method",
)


@pytest.mark.slow
def test_no_generated_input_gets_a_server_error(db: Database, tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    # Without a rate limit: a 429 would stop schemathesis from reaching the routes behind it.
    env = {
        **os.environ,
        "HOOKDESK_SECRET_KEY": Fernet.generate_key().decode(),
        "HOOKDESK_RATE_LIMIT": "0",
    }
    log = tmp_path / "serve.log"
    server = subprocess.Popen(
        [str(BIN / "hookdesk"), "serve", "--dev", "--port", str(port), "--database-url", db.url],
        cwd=tmp_path,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    try:
        wait_until(lambda: answers(f"{url}/healthz"), what="the server to start", timeout=30)
        first_account = next(line for line in log.read_text().splitlines() if '"api_key"' in line)
        key = json.loads(first_account)["api_key"]
        result = subprocess.run(
            [
                str(BIN / "schemathesis"),
                "run",
                f"{url}/openapi.json",
                "-H",
                f"Authorization: Bearer {key}",
                "--checks",
                ",".join(CHECKS),
                "--phases",
                "examples,coverage,fuzzing,stateful",
                "--max-examples",
                "15",
                "--exclude-path",
                "/v2/events/stream",
                # Raw mail (message/rfc822) has no schemathesis serializer; tests/mail sends it
                # malformed messages of its own.
                "--exclude-path",
                "/v2/inbound/email",
                "--request-timeout",
                "10",
                "--seed",
                "20261127",
                "--no-color",
            ],
            cwd=tmp_path,  # schemathesis keeps its cache in the working folder
            env={**env, "SCHEMATHESIS_HOOKS": "tests.schemathesis_hooks", "PYTHONPATH": str(ROOT)},
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert result.returncode == 0, result.stdout[-6000:]
        assert "ST101" not in result.stdout
        generated = re.search(r"(\d+) generated", result.stdout)
        assert generated is not None
        print(result.stdout[-3000:])  # the phases and the count: shown by pytest -rP
        assert int(generated.group(1)) > 300  # the run really exercised the API
        assert "unexpected error" not in log.read_text()
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(tmp_path / "hookdesk-data", ignore_errors=True)
