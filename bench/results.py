"""Every part's latest figures, kept in `bench/results.json` beside BENCHMARKS.md.

A run of some parts (`python -m bench --parts api`) replaces those parts' figures and keeps the
others as they were measured, so BENCHMARKS.md is always rendered from whole runs: each part says
when it ran, on which commit and by which command. A full run replaces them all. A `--quick` run
never touches the store: its figures are a smoke test, not the real ones."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Results:
    parts: dict[str, Any] = field(default_factory=dict)  # a part's name -> its figures
    runs: dict[str, dict[str, Any]] = field(default_factory=dict)  # -> the run that measured it

    def replaced(self, parts: dict[str, Any], meta: dict[str, Any]) -> Results:
        """These results with `parts` measured anew by the run `meta` describes."""
        return Results({**self.parts, **parts}, {**self.runs, **dict.fromkeys(parts, meta)})


def load(path: Path) -> Results:
    if not path.exists():
        return Results()
    stored = json.loads(path.read_text())
    return Results(stored["parts"], stored["runs"])


def save(path: Path, results: Results) -> None:
    stored = {"parts": results.parts, "runs": results.runs}
    path.write_text(json.dumps(stored, indent=1, sort_keys=True) + "\n")
