"""The README's walkthrough, run as written: its shell blocks against a server it starts itself.

The blocks of "API walkthrough", "Plans" and "Portfolios" are run in order by bash in an empty
directory (so the walkthrough's own SQLite file is a temporary one), on a free port; every curl must
succeed (an HTTP error fails the run), so an example that drifts from the API fails this test.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

SECTIONS = ("API walkthrough", "Plans", "Portfolios")


def section(markdown: str, title: str) -> str:
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## )", markdown, re.S | re.M)
    assert match, f"README has no section {title!r}"
    return match.group(1)


def shell_blocks(markdown: str) -> list[str]:
    return re.findall(r"^```sh\n(.*?)^```", markdown, re.S | re.M)


def walkthrough() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return "\n".join(block for title in SECTIONS for block in shell_blocks(section(readme, title)))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


# Run with bash: stop at the first failing command; every curl fails on an HTTP error unless the
# README itself asks for `-f` (the readiness loop); the server started in the background is stopped.
PRELUDE = """set -euo pipefail
trap 'kill $(jobs -p) 2>/dev/null || true' EXIT
curl() {
  case " $* " in
    *" -sf "*|*" -f "*) command curl --max-time 30 "$@" ;;
    *) command curl --max-time 30 --fail-with-body "$@"; echo ;;
  esac
}
"""


def test_the_walkthrough_blocks_are_found() -> None:
    script = walkthrough()
    for command in (
        "planner serve --port $PORT &",
        "until curl -sf $API/health",
        "DATABASE_URL=sqlite:///./",
    ):
        assert command in script
    assert re.search(r"^PORT=8000$", script, re.M)


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("curl") is None, reason="the README's examples use curl")
@pytest.mark.skipif(
    bool(os.environ.get("TEST_DATABASE_URL")),
    reason="the walkthrough runs on its own SQLite file: it is run once, in the SQLite run of the suite",
)
def test_the_readme_walkthrough_runs_as_written(tmp_path: Path) -> None:
    script = re.sub(r"^PORT=8000$", f"PORT={free_port()}", walkthrough(), flags=re.M)
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "JOBS_MODE"}}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    run = subprocess.run(
        ["bash", "-c", PRELUDE + script],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, f"stdout:\n{run.stdout[-4000:]}\nstderr:\n{run.stderr[-4000:]}"
    # Its own database file, in the directory it ran in; nothing of the demo's.
    assert (tmp_path / "walkthrough.db").exists()
    assert not (tmp_path / "planner.db").exists()
    out = run.stdout
    assert '"reference":"CD93-2026-PEINT"' in out.replace(" ", "")
    assert '"status":"cancelled"' in out and '"accepted_rank":1' in out and '"replan_of":1' in out
    # The two tenders planned together: each its plan, and the structure's July in the load calendar.
    compact = out.replace(" ", "")
    assert '"reference":"INSERECO93-2026","status":"done"' in compact
    assert '"tender_id":1' in compact and '"period":"2026-07","capacity":500.0' in compact
    # The retried POST was answered from the first one.
    assert "idempotent-replayed: true" in out.lower()
