import re
from pathlib import Path

from hookdesk.errors import ErrorCode

DOCS = Path(__file__).parents[2] / "docs"


def test_every_error_code_is_documented_once() -> None:
    table = (DOCS / "errors.md").read_text()
    documented = [int(code) for code in re.findall(r"^\| (\d{4}) \|", table, flags=re.MULTILINE)]
    assert sorted(documented) == sorted(int(code) for code in ErrorCode)
