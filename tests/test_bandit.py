"""bandit -ll (medium and high severity) finds nothing unexplained in the code."""

from __future__ import annotations

import json
import subprocess  # the bandit command with an argument list  # nosec B404
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_bandit_finds_no_medium_or_high_issue() -> None:
    result = subprocess.run(  # a fixed command, no shell  # nosec B603
        [sys.executable, "-m", "bandit", "-ll", "-q", "-r", "foodtrain", "web", "routing", "rota", "-f", "json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    report = json.loads(result.stdout)
    findings = [
        f"{item['filename']}:{item['line_number']} {item['test_id']} {item['issue_text']}" for item in report["results"]
    ]
    files = len(report["metrics"]) - 1
    print(f"\nbandit -ll: {files} files scanned, findings = {len(findings)}")
    assert findings == [], findings
