import re
import shlex
import subprocess
from itertools import takewhile
from pathlib import Path

import pytest

from tests.support.processes import CHECKOUT, HOOKDESK, bare_environment


@pytest.mark.slow
def test_the_demo_runs_to_the_end(tmp_path: Path) -> None:
    result = subprocess.run(
        [HOOKDESK, "demo"],
        cwd=tmp_path,
        env=bare_environment(),  # hookdesk is not on the PATH
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    verified = re.findall(
        r"✔ (whitelabel\.ticket\.\w+) whev_[0-9a-z]{17} arrived, signature verified", result.stdout
    )
    assert verified == [
        "whitelabel.ticket.created",
        "whitelabel.ticket.updated",
        "whitelabel.ticket.assigned",
        "whitelabel.ticket.resolved",
    ]
    # The dispatcher sent a notification, which the demo's mail catcher accepted.
    said = " ".join(result.stdout.split())  # long lines are folded to the terminal's width
    assert re.search(r"✔ [^✔]+ to [^✔]+@example\.com>?, accepted by the local mail server", said)
    assert "✔ replied: the quoted text cut off" in result.stdout
    try_next = result.stdout.split("Try next\n")[1].splitlines()
    commands = [line.strip() for line in try_next if not line.strip().startswith("#")]
    assert commands[0] == str(CHECKOUT / "scripts" / "serve")
    assert commands[1].startswith("export HOOKDESK_API_KEY=")
    assert [c.split()[:2] for c in commands[2:]] == [
        [HOOKDESK, "listen"],
        [HOOKDESK, "trigger"],
        [HOOKDESK, "endpoints"],
    ]
    for command in commands[2:]:  # each runs from here: its help, at least
        words = takewhile(lambda word: not word.startswith("--"), shlex.split(command))
        shown = subprocess.run(
            [*words, "--help"], cwd=tmp_path, capture_output=True, text=True, timeout=60
        )
        assert shown.returncode == 0, command + shown.stderr
    assert str(CHECKOUT / "docs" / "receiving.md") in try_next[-1]
    assert "Traceback" not in result.stdout + result.stderr
    assert list(tmp_path.iterdir()) == []  # nothing left behind in the working folder
