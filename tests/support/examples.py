"""Running the example apps under examples/ as a user does (plain helpers shared by their tests)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.support.toolchain import Toolchain

ROOT = Path(__file__).resolve().parents[2]


def run_main(name: str, outdir: Path, stack: str) -> Any:
    """``python examples/<name>/main.py`` with ``CDKTF_OUTDIR=outdir``: it must succeed and name the
    synthesized file of ``stack``; return that file's JSON."""
    res = subprocess.run(
        [sys.executable, f"examples/{name}/main.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "CDKTF_OUTDIR": str(outdir)},
        check=True,
    )
    path = outdir / "stacks" / stack / "cdk.tf.json"
    assert f"Synthesized Terraform JSON: {path}" in res.stdout
    return json.loads(path.read_text())


def cdktf_synth(tools: Toolchain, outdir: Path, app: str | None = None) -> str:
    """The real cdktf CLI (pinned, from the tools cache) synthesizes ``app`` (a command line; the
    default of cdktf.json when None) into ``outdir``; it must succeed. Return its stdout."""
    args = [tools.env["DW_CDKTF"], "synth", "--output", str(outdir)]
    if app is not None:
        args += ["--app", app]
    env = {**os.environ, "DISABLE_VERSION_CHECK": "1", "CI": "true", "FORCE_COLOR": "0"}
    res = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, env=env, timeout=300)
    assert res.returncode == 0, res.stdout + res.stderr
    return res.stdout
