"""Start-up (issue 16): ``claimlint check`` on a small file imports only what that run needs.

No timed test: what is asserted is which modules a run leaves out (measured start-up is in
benchmarks/results.md)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def test_check_imports_only_what_the_run_needs(tmp_path: Path) -> None:
    """A one-process ``check`` of a small file without profiles or a configuration file
    imports neither importlib.metadata (plugins are found by the scan), multiprocessing
    (``--jobs``), the 999/277CA envelope classes, the payer profiles and estimate nor the TOML
    parser (start-up, issue 16); the findings are still printed."""
    claim = Path(__file__).parents[1] / "fixtures" / "demo" / "batch.837"
    code = (
        "import sys\n"
        "from claimlint.cli import main\n"
        "try:\n"
        f'    main(["check", {str(claim)!r}, "--format", "text", "--exit-zero"])\n'
        "except SystemExit:\n"
        "    pass\n"
        "bad = [m for m in ('importlib.metadata', 'claimlint.running.parallel',\n"
        "       'multiprocessing', 'claimlint.core.ack', 'claimlint.payer.profiles',\n"
        "       'claimlint.payer.estimate', 'tomllib') if m in sys.modules]\n"
        "print('IMPORTED', bad)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    assert "CL301" in done.stdout
    assert done.stdout.strip().splitlines()[-1] == "IMPORTED []"
