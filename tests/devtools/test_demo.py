import re
import subprocess
import sys
from pathlib import Path

import pytest

HOOKDESK = str(Path(sys.executable).parent / "hookdesk")


@pytest.mark.slow
def test_the_demo_runs_to_the_end(tmp_path: Path) -> None:
    result = subprocess.run(
        [HOOKDESK, "demo"], cwd=tmp_path, capture_output=True, text=True, timeout=120
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
    assert "Try next" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
    assert list(tmp_path.iterdir()) == []  # nothing left behind in the working folder
